-- Business applications (clients of one domain), the service's own token signing keys, and
-- the access log of checks that mandators can read.

CREATE TABLE clients (
    id          TEXT PRIMARY KEY,
    name        TEXT    NOT NULL,
    domain      TEXT    NOT NULL,
    types       TEXT    NOT NULL,
    secret_hash TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    revoked_at  INTEGER
);

CREATE TABLE signing_keys (
    kid         TEXT PRIMARY KEY,
    private_der TEXT    NOT NULL,
    public_jwk  TEXT    NOT NULL,
    created_at  INTEGER NOT NULL
);

CREATE TABLE access_log (
    id         TEXT PRIMARY KEY,
    at         INTEGER NOT NULL,
    client_id  TEXT    NOT NULL,
    client     TEXT    NOT NULL,
    domain     TEXT    NOT NULL,
    kind       TEXT    NOT NULL,
    actor      TEXT    NOT NULL,
    mandator   TEXT,
    type_code  TEXT,
    allowed    INTEGER NOT NULL,
    reason     TEXT,
    mandate_id TEXT
);
CREATE INDEX access_log_mandator ON access_log (mandator, at);
