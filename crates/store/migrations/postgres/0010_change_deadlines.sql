-- The key that makes a notice unique is indexed only where there is one (notices that a
-- change causes have none): a change writes one index entry fewer per notice.
ALTER TABLE notices DROP CONSTRAINT notices_once_key_key;
CREATE UNIQUE INDEX notices_once ON notices (once_key) WHERE once_key IS NOT NULL;

-- The deadline of a proposed change of terms, beside the mandate's document: the scheduler
-- reminds its signer before it and tells both parties when it passed. Indexed only where
-- there is one.
ALTER TABLE mandates ADD COLUMN change_lapses_at BIGINT;
UPDATE mandates
SET change_lapses_at =
    (EXTRACT(EPOCH FROM (doc::jsonb -> 'proposal' ->> 'lapses_at')::timestamptz) * 1000000)::BIGINT
WHERE doc::jsonb -> 'proposal' ->> 'lapses_at' IS NOT NULL;
CREATE INDEX mandates_change_lapses_at ON mandates (change_lapses_at)
    WHERE change_lapses_at IS NOT NULL;
