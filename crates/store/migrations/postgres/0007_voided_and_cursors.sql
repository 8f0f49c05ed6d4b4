-- A transfer voided because the mandate it was to replace ended first has a status of its
-- own ("voided"), no longer "withdrawn", which said that someone took it back.
UPDATE mandates
   SET base_status = 'voided', doc = jsonb_set(doc::jsonb, '{status}', '"voided"')::text
 WHERE base_status = 'withdrawn'
   AND id IN (SELECT subject FROM events WHERE stream = 'mandate' AND kind = 'transfer_voided');

-- Pages of the access log continue after an instant and an id (several entries may share
-- an instant).
DROP INDEX access_log_mandator;
CREATE INDEX access_log_mandator ON access_log (mandator, at, id);
