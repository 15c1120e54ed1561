-- Offer schema v2: what a citizen needs to use an offer (the Sozialatlas shows them). All optional.
-- Rows projected before this migration are filled from the payload of their version, which the
-- projection keeps whole (newer fields included), so no replay is needed.
ALTER TABLE registry_offer
  ADD COLUMN opening_hours     text,
  ADD COLUMN languages         text[] NOT NULL DEFAULT '{}',
  ADD COLUMN wheelchair        text CHECK (wheelchair IN ('yes','limited','no')),
  ADD COLUMN accessibility_note text,
  ADD COLUMN contact_phone     text,
  ADD COLUMN contact_email     text,
  ADD COLUMN contact_website   text;

UPDATE registry_offer o SET
  opening_hours = v.payload->>'openingHours',
  languages = coalesce(ARRAY(SELECT jsonb_array_elements_text(CASE WHEN jsonb_typeof(v.payload->'languages') = 'array' THEN v.payload->'languages' ELSE '[]'::jsonb END)), '{}'),
  wheelchair = CASE WHEN v.payload->'accessibility'->>'wheelchair' IN ('yes','limited','no') THEN v.payload->'accessibility'->>'wheelchair' END,
  accessibility_note = v.payload->'accessibility'->>'note',
  contact_phone = v.payload->'contact'->>'phone',
  contact_email = v.payload->'contact'->>'email',
  contact_website = v.payload->'contact'->>'website'
FROM registry_offer_version v
WHERE v.offer_key = o.offer_key AND v.version = o.version AND NOT v.tombstone AND v.payload IS NOT NULL;

-- the Sozialatlas filters by language
CREATE INDEX registry_offer_languages_idx ON registry_offer USING gin (languages);
