-- Registry of social-infrastructure offers (Bestand). Projection of offer events; rebuildable by replay.

-- Every version ever received, record or withdrawal; never updated except for the superseded marks.
CREATE TABLE registry_offer_version (
  offer_key     text        NOT NULL,
  version       integer     NOT NULL CHECK (version > 0),
  tombstone     boolean     NOT NULL,
  amt           text        NOT NULL,
  delivery_id   text        NOT NULL,
  delivered_at  timestamptz NOT NULL,
  payload       jsonb,                 -- the offer record; NULL for a withdrawal
  valid_from    date,
  valid_to      date,                  -- from the record; a later withdrawal or version ends validity (ended_at)
  ended_at      timestamptz,           -- when a newer version or a withdrawal replaced this one as current
  ended_by      integer,
  projected_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (offer_key, version, tombstone),
  CHECK (tombstone = (payload IS NULL))
);

-- Per key: the highest version seen and whether it is a withdrawal (ordering guard for late events).
CREATE TABLE registry_offer_key (
  offer_key       text    PRIMARY KEY,
  head_version    integer NOT NULL,
  head_tombstone  boolean NOT NULL,
  withdrawn_at    timestamptz
);

-- Current, not withdrawn offers, flattened for search.
CREATE TABLE registry_offer (
  offer_key        text PRIMARY KEY,
  version          integer NOT NULL,
  name             text    NOT NULL,
  offer_type       text    NOT NULL,
  subtype          text,
  provider         text    NOT NULL,
  amt              text    NOT NULL,
  target_groups    text[]  NOT NULL,
  street           text,
  postcode         text,
  city             text    NOT NULL,
  lat              double precision NOT NULL,
  lon              double precision NOT NULL,
  capacity_value   double precision,
  capacity_unit    text,
  reach            text    NOT NULL CHECK (reach IN ('STADTVIERTEL','STADTTEIL','STADTBEZIRK','STADT')),
  reach_level      text,   -- effective reach area (one level up when the point lies in no Stadtviertel)
  reach_code       text,
  valid_from       date    NOT NULL,
  valid_to         date,
  source           text    NOT NULL,
  attribution      text,
  synthetic        boolean NOT NULL,
  delivered_at     timestamptz NOT NULL,
  search_text      text    NOT NULL,   -- lower-cased name, subtype, provider, street for ILIKE
  search_vector    tsvector NOT NULL   -- to_tsvector('german', …) for stemmed full text
);
CREATE INDEX registry_offer_type_idx ON registry_offer (offer_type);
CREATE INDEX registry_offer_groups_idx ON registry_offer USING gin (target_groups);
CREATE INDEX registry_offer_latlon_idx ON registry_offer (lat, lon);
CREATE INDEX registry_offer_fts_idx ON registry_offer USING gin (search_vector);

-- Areas the offer's point lies in (all levels incl. STADT and planning areas).
CREATE TABLE registry_offer_area (
  offer_key   text NOT NULL REFERENCES registry_offer (offer_key) ON DELETE CASCADE,
  area_level  text NOT NULL,
  area_code   text NOT NULL,
  PRIMARY KEY (offer_key, area_level, area_code)
);
CREATE INDEX registry_offer_area_idx ON registry_offer_area (area_level, area_code);

-- Areas the offer serves entirely (its reach area and everything inside it).
CREATE TABLE offer_serves_area (
  offer_key   text NOT NULL REFERENCES registry_offer (offer_key) ON DELETE CASCADE,
  area_level  text NOT NULL,
  area_code   text NOT NULL,
  PRIMARY KEY (offer_key, area_level, area_code)
);
CREATE INDEX offer_serves_area_idx ON offer_serves_area (area_level, area_code);

-- Areas whose supply counts the offer (located areas containing the whole reach area).
CREATE TABLE registry_offer_supplies_area (
  offer_key   text NOT NULL REFERENCES registry_offer (offer_key) ON DELETE CASCADE,
  area_level  text NOT NULL,
  area_code   text NOT NULL,
  PRIMARY KEY (offer_key, area_level, area_code)
);
CREATE INDEX registry_offer_supplies_area_idx ON registry_offer_supplies_area (area_level, area_code);

-- Events the projection could not place (invalid structure, point outside the city). Never silent.
CREATE TABLE registry_projection_issue (
  offer_key    text        NOT NULL,
  version      integer     NOT NULL,
  code         text        NOT NULL,
  message      text        NOT NULL,
  delivery_id  text,
  recorded_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (offer_key, version, code)
);
