-- 0004: roll-ups, so that the counts the map and the rankings ask for cost
-- in proportion to areas and cells rather than to incidents.
--
-- area_month_type counts each (source, force, month) partition's incidents
-- by area of each layer and crime type; cell_month_type by H3 cell at each
-- resolution of rollup_resolutions and crime type. Both are maintained by the
-- transaction that replaces a partition (Store.Replace), and
-- area_month_type by the one that stores or deletes a layer, so they always
-- equal the incident tables. A count the roll-ups cannot give exactly (a
-- time-of-day filter, a cell selection, cells within a layer, a resolution
-- not rolled up) is read from the incidents.
--
-- Each resolution has its own cells, taken from locations.cell_N: H3 cells do
-- not nest, so a coarse count is not the sum of finer cells' counts.

-- The resolutions cell_month_type holds: those of the map's tiles and Gi*
-- grids from the region down to the street block (5..9: about 0.9 roll-up
-- rows per incident on the Cleveland data). Finer cells hold one or two
-- incidents a month each (resolution 10: 1.6 incidents a row), so rolling
-- them up would cost the import nearly as much as the incidents and save a
-- query little.
CREATE TABLE rollup_resolutions (
    res smallint PRIMARY KEY CHECK (res BETWEEN 5 AND 12)
);
INSERT INTO rollup_resolutions VALUES (5), (6), (7), (8), (9);

CREATE TABLE area_month_type (
    layer_id  integer NOT NULL,            -- layers.id
    area_ord  integer NOT NULL,            -- areas.ord
    month     date NOT NULL,
    source    text COLLATE "C" NOT NULL,
    force     text COLLATE "C" NOT NULL,
    type      text COLLATE "C" NOT NULL,
    incidents integer NOT NULL,
    -- in the order of a ranking's GROUP BY area, month, type: read in
    -- index order, the counts stream out with no sort or hash table
    PRIMARY KEY (layer_id, area_ord, month, type, source, force)
);
-- for replacing a partition's counts
CREATE INDEX area_month_type_partition ON area_month_type (month, source, force);

CREATE TABLE cell_month_type (
    res       smallint NOT NULL,           -- rollup_resolutions.res
    cell      bigint NOT NULL,             -- locations.cell_<res>
    month     date NOT NULL,
    source    text COLLATE "C" NOT NULL,
    force     text COLLATE "C" NOT NULL,
    type      text COLLATE "C" NOT NULL,
    incidents integer NOT NULL,
    -- in the order of a Gi* grid's GROUP BY cell, type
    PRIMARY KEY (res, cell, type, month, source, force)
);
CREATE INDEX cell_month_type_partition ON cell_month_type (month, source, force);

-- Each (area, month, type) is nearly one row (an area is one force's), but
-- the planner, multiplying each column's distinct values, expects six times
-- fewer groups and picks a hash table and a sort over reading the key in
-- order: 5.5 s against 2.0 s for a ranking of 8,528 areas over 5.4 million
-- incidents. Statistics of the columns together put it right.
CREATE STATISTICS area_month_type_groups (ndistinct) ON area_ord, month, type FROM area_month_type;
CREATE STATISTICS cell_month_type_groups (ndistinct) ON cell, month, type FROM cell_month_type;

-- the data already stored
INSERT INTO area_month_type
SELECT la.layer_id, la.area_ord, i.month, i.source, i.force, i.type, count(*)
FROM incidents i JOIN location_areas la ON la.location_id = i.location_id
GROUP BY 1, 2, 3, 4, 5, 6;

INSERT INTO cell_month_type
SELECT r.res, CASE r.res WHEN 5 THEN l.cell_5 WHEN 6 THEN l.cell_6 WHEN 7 THEN l.cell_7 WHEN 8 THEN l.cell_8
        WHEN 9 THEN l.cell_9 WHEN 10 THEN l.cell_10 WHEN 11 THEN l.cell_11 ELSE l.cell_12 END,
    i.month, i.source, i.force, i.type, count(*)
FROM incidents i JOIN locations l ON l.id = i.location_id CROSS JOIN rollup_resolutions r
WHERE l.cell IS NOT NULL
GROUP BY 1, 2, 3, 4, 5, 6;
