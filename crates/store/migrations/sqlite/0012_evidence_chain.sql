-- The evidence chain: each event's digest (SHA-256 of its canonical form) and chain value
-- (SHA-256 of the previous event's chain value and its own digest), lowercase hexadecimal.
-- Events recorded before this change have neither until they are chained (`mandates audit
-- chain`, which `serve` also runs at start).
ALTER TABLE events ADD COLUMN digest TEXT;
ALTER TABLE events ADD COLUMN chain TEXT;

-- Signed checkpoints: the chain value at a sequence number, signed with the service's
-- evidence key (a compact JWS), kept for anyone to fetch and compare.
CREATE TABLE checkpoints (
    seq   INTEGER PRIMARY KEY,
    chain TEXT   NOT NULL,
    at    INTEGER NOT NULL,
    kid   TEXT   NOT NULL,
    jws   TEXT   NOT NULL
);
