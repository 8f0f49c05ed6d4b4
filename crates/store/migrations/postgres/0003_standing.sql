-- What a check for "now" needs of a mandate, beside its document, so that the in-memory
-- index can be built from narrow columns. Rows written before this migration are filled in
-- from their documents when the store is opened.

ALTER TABLE mandates ADD COLUMN types TEXT;
ALTER TABLE mandates ADD COLUMN valid_from TEXT;
ALTER TABLE mandates ADD COLUMN valid_until TEXT;
ALTER TABLE mandates ADD COLUMN closed_at BIGINT;
ALTER TABLE mandates ADD COLUMN awaiting TEXT;
