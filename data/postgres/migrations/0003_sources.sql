-- 0003: sources and committed-to windows.
--
-- Every partition belongs to a source: police.uk, or a force export named at
-- import (--source). A partition is (source, force, month): importing a force
-- export never replaces police.uk's rows, nor the reverse. Rows stored
-- before sources existed are police.uk's.

ALTER TABLE force_month_types DROP CONSTRAINT force_month_types_force_month_fkey;
ALTER TABLE force_month_types DROP CONSTRAINT force_month_types_pkey;
ALTER TABLE force_months DROP CONSTRAINT force_months_pkey;

ALTER TABLE force_months ADD COLUMN source text COLLATE "C" NOT NULL DEFAULT 'police.uk';
-- true when some incident of the partition has a time of day
ALTER TABLE force_months ADD COLUMN has_times boolean NOT NULL DEFAULT false;
ALTER TABLE force_months ADD PRIMARY KEY (source, force, month);

ALTER TABLE force_month_types ADD COLUMN source text COLLATE "C" NOT NULL DEFAULT 'police.uk';
ALTER TABLE force_month_types ADD PRIMARY KEY (source, force, month, type);
ALTER TABLE force_month_types ADD FOREIGN KEY (source, force, month) REFERENCES force_months (source, force, month) ON DELETE CASCADE;

ALTER TABLE incidents ADD COLUMN source text COLLATE "C" NOT NULL DEFAULT 'police.uk';
-- the committed-to time in clock minutes after minute; NULL: none
ALTER TABLE incidents ADD COLUMN span integer;
ALTER TABLE incidents DROP CONSTRAINT incidents_pkey;
ALTER TABLE incidents ADD PRIMARY KEY (month, source, force, seq);
