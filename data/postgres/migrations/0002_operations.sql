-- 0002: operations, the patrol plans a partnership works and later evaluates.
--
-- One row per operation; its zones in operation_zones with their polygons in
-- PostGIS, so a GIS user can draw them straight from the database. Months are
-- stored as the first day of the month, like force_months.

CREATE TABLE operations (
    id          text COLLATE "C" PRIMARY KEY,      -- data.OperationID of the name
    name        text NOT NULL,
    start_month date NOT NULL,
    end_month   date,                              -- NULL: still running
    crime_types text[] NOT NULL,
    notes       text NOT NULL,
    layer       text NOT NULL,
    res         integer NOT NULL,
    previous    text COLLATE "C" NOT NULL,         -- '' when it follows none
    dropped     text[] NOT NULL,                   -- zone ids of previous not carried on
    created     timestamptz NOT NULL,
    version     bigint NOT NULL
);

CREATE TABLE operation_zones (
    operation_id text COLLATE "C" NOT NULL REFERENCES operations ON DELETE CASCADE,
    ord          integer NOT NULL,                 -- the zone's place in the operation
    zone_id      text NOT NULL,
    label        text NOT NULL,
    status       text NOT NULL,
    owner        text NOT NULL,
    cells        bigint[] NOT NULL,                -- H3 cells as their uint64 bit pattern
    geom         geometry(MultiPolygon, 4326) NOT NULL,
    PRIMARY KEY (operation_id, ord),
    UNIQUE (operation_id, zone_id)
);
CREATE INDEX operation_zones_geom ON operation_zones USING gist (geom);
