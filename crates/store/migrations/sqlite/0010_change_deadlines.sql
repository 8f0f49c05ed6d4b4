-- Every change writes its notices and mails: each of their rows touches as few b-trees as
-- it can. Deliveries are kept in the order of their ids (WITHOUT ROWID; ids are
-- time-ordered UUIDs, so rows are appended), notices in the order of their inbox (party,
-- time, id: every question about notices names the party), and the key that makes a notice
-- unique is indexed only where there is one (notices that a change causes have none).
CREATE TABLE deliveries_by_id (
    id           TEXT PRIMARY KEY,
    channel      TEXT    NOT NULL,
    target       TEXT    NOT NULL,
    seq          BIGINT,
    payload      TEXT    NOT NULL,
    status       TEXT    NOT NULL,
    attempts     BIGINT  NOT NULL,
    created_at   BIGINT  NOT NULL,
    due_at       BIGINT  NOT NULL,
    leased_by    TEXT,
    leased_until BIGINT,
    last_error   TEXT,
    done_at      BIGINT
) WITHOUT ROWID;
INSERT INTO deliveries_by_id SELECT id, channel, target, seq, payload, status, attempts,
    created_at, due_at, leased_by, leased_until, last_error, done_at FROM deliveries;
DROP TABLE deliveries;
ALTER TABLE deliveries_by_id RENAME TO deliveries;
CREATE INDEX deliveries_due ON deliveries (channel, status, due_at);
CREATE INDEX deliveries_target ON deliveries (channel, target, status, due_at);

CREATE TABLE notices_by_party (
    id          TEXT    NOT NULL,
    party       TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    mandate_id  TEXT,
    seq         BIGINT,
    detail      TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL,
    read_at     BIGINT,
    once_key    TEXT,
    PRIMARY KEY (party, created_at, id)
) WITHOUT ROWID;
INSERT INTO notices_by_party SELECT id, party, kind, mandate_id, seq, detail, created_at,
    read_at, once_key FROM notices;
DROP TABLE notices;
ALTER TABLE notices_by_party RENAME TO notices;
CREATE UNIQUE INDEX notices_once ON notices (once_key) WHERE once_key IS NOT NULL;

-- The deadline of a proposed change of terms, beside the mandate's document: the scheduler
-- reminds its signer before it and tells both parties when it passed. Indexed only where
-- there is one.
ALTER TABLE mandates ADD COLUMN change_lapses_at BIGINT;
UPDATE mandates SET change_lapses_at = unixepoch(substr(due, 1, 19)) * 1000000
    + CASE WHEN substr(due, 20, 1) = '.'
           THEN CAST(substr(rtrim(substr(due, 21), 'Z') || '000000', 1, 6) AS INTEGER)
           ELSE 0 END
FROM (SELECT id AS proposed, json_extract(doc, '$.proposal.lapses_at') AS due
      FROM mandates WHERE json_extract(doc, '$.proposal.lapses_at') IS NOT NULL)
WHERE id = proposed;
CREATE INDEX mandates_change_lapses_at ON mandates (change_lapses_at)
    WHERE change_lapses_at IS NOT NULL;
