-- 0001: the first schema of the PostgreSQL store.
--
-- Text columns the store sorts or groups on use the "C" collation, so
-- PostgreSQL orders them byte by byte as Go compares strings and both stores
-- give rows in the same order.

CREATE EXTENSION IF NOT EXISTS postgis;

-- The one-row change counter behind Store.Version. Every change bumps it
-- first thing in its own transaction, which also serialises writers.
CREATE TABLE store_state (
    one     boolean PRIMARY KEY DEFAULT true CHECK (one),
    version bigint  NOT NULL
);
INSERT INTO store_state (version) VALUES (0);

-- Distinct places incidents are recorded at (police.uk snaps every crime to
-- an anonymous map point, so a few tens of thousands serve a force).
--
-- cell_5 .. cell_12 are the H3 cells holding the point at resolutions
-- geo.MinRes..geo.BaseRes, computed in Go (geo.CellsOf) when the location is
-- first stored. They are not derived from cell by parent arithmetic: H3
-- children poke out of their parents, so the parent of a point's
-- resolution-12 cell is not always the cell holding it (6.9% of Cleveland's
-- points), and the analysis counts a point in the cell that holds it.
-- H3 cells are stored as their uint64 bit pattern in a bigint (the top bit
-- is always 0, so bigint order is cell order).
CREATE TABLE locations (
    id        integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    lon       double precision NOT NULL, -- WGS84 degrees; 'NaN' with lat when the record had no coordinates
    lat       double precision NOT NULL,
    name      text COLLATE "C" NOT NULL, -- police.uk "Location"
    lsoa_code text COLLATE "C" NOT NULL,
    lsoa_name text COLLATE "C" NOT NULL,
    cell      bigint,                    -- the imported Location.Cell (geo.BaseRes); NULL: no coordinates
    cell_5    bigint,
    cell_6    bigint,
    cell_7    bigint,
    cell_8    bigint,
    cell_9    bigint,
    cell_10   bigint,
    cell_11   bigint,
    cell_12   bigint,
    geom      geometry(Point, 4326),     -- NULL: no coordinates
    UNIQUE (lon, lat, name, lsoa_code, lsoa_name)
);
CREATE INDEX locations_geom ON locations USING gist (geom);
CREATE INDEX locations_cell ON locations (cell);

-- The stored (force, month) partitions, with what Summary reports of each.
CREATE TABLE force_months (
    force     text COLLATE "C" NOT NULL,
    month     date NOT NULL, -- first day of the month
    incidents integer NOT NULL,
    unlocated integer NOT NULL,
    version   bigint NOT NULL, -- store_state.version of the change that stored it
    stored    timestamptz NOT NULL,
    PRIMARY KEY (force, month)
);
CREATE TABLE force_month_types (
    force     text COLLATE "C" NOT NULL,
    month     date NOT NULL,
    type      text COLLATE "C" NOT NULL,
    incidents integer NOT NULL,
    PRIMARY KEY (force, month, type),
    FOREIGN KEY (force, month) REFERENCES force_months ON DELETE CASCADE
);

-- Incidents, partitioned by month: one table incidents_YYYY_MM per month,
-- created when a month is first imported. A (force, month) partition of the
-- Store contract is the rows of one force in one of them.
--
-- location_id has no foreign key: a per-row check would halve the COPY
-- rate, and locations are never deleted.
CREATE TABLE incidents (
    month        date NOT NULL,
    force        text COLLATE "C" NOT NULL,
    seq          integer NOT NULL,  -- position in the imported partition
    crime_id     text COLLATE "C",  -- NULL: none (anti-social behaviour)
    minute       integer,           -- minutes since the month's start; NULL: unknown
    type         text COLLATE "C" NOT NULL,
    outcome      text COLLATE "C" NOT NULL,
    falls_within text COLLATE "C" NOT NULL,
    context      text COLLATE "C" NOT NULL,
    location_id  integer NOT NULL,  -- locations.id
    PRIMARY KEY (month, force, seq)
) PARTITION BY RANGE (month);

-- Area layers, with the areas in layer order (ord): a point on a boundary
-- shared by several areas belongs to the first of them.
CREATE TABLE layers (
    id         integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       text COLLATE "C" NOT NULL UNIQUE,
    source     text NOT NULL,
    imported   timestamptz NOT NULL,
    population text NOT NULL,
    version    bigint NOT NULL
);
CREATE TABLE areas (
    layer_id   integer NOT NULL REFERENCES layers ON DELETE CASCADE,
    ord        integer NOT NULL,
    code       text COLLATE "C" NOT NULL,
    name       text NOT NULL,
    population double precision, -- NULL: unknown
    -- the bounding box as the Go code computes it (exact, unlike the float4
    -- box PostGIS keeps), for LayerInfo.Bound
    west       double precision NOT NULL,
    south      double precision NOT NULL,
    east       double precision NOT NULL,
    north      double precision NOT NULL,
    geom       geometry(MultiPolygon, 4326) NOT NULL,
    PRIMARY KEY (layer_id, ord),
    UNIQUE (layer_id, code)
);
CREATE INDEX areas_geom ON areas USING gist (geom);

-- The area of each located location in each layer, computed in Go with
-- geo.Layer.Locate (the memory store's own rule) when the layer or the
-- location is stored. A location in no area of a layer has no row.
-- No foreign keys: their per-row checks cost more than the copy, and the
-- store deletes a layer's rows itself.
CREATE TABLE location_areas (
    layer_id    integer NOT NULL,
    location_id integer NOT NULL,
    area_ord    integer NOT NULL,
    PRIMARY KEY (layer_id, location_id)
);
CREATE INDEX location_areas_area ON location_areas (layer_id, area_ord);
