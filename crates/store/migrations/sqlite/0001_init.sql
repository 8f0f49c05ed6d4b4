-- The append-only event log is the source of truth; the other tables are current state,
-- written in the same transaction as the events that explain them.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE events (
    seq     INTEGER PRIMARY KEY,
    stream  TEXT    NOT NULL,
    subject TEXT    NOT NULL,
    kind    TEXT    NOT NULL,
    at      INTEGER NOT NULL,
    person  TEXT,
    party   TEXT,
    auth    TEXT    NOT NULL,
    version INTEGER NOT NULL,
    detail  TEXT    NOT NULL
);
CREATE INDEX events_subject ON events (stream, subject, seq);

CREATE TABLE mandates (
    id          TEXT PRIMARY KEY,
    domain      TEXT    NOT NULL,
    mandator    TEXT    NOT NULL,
    mandatee    TEXT    NOT NULL,
    initiator   TEXT    NOT NULL,
    base_status TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    lapses_at   INTEGER,
    ends_at     INTEGER,
    row_version INTEGER NOT NULL,
    doc         TEXT    NOT NULL
);
CREATE INDEX mandates_mandator ON mandates (mandator, created_at, id);
CREATE INDEX mandates_mandatee ON mandates (mandatee, created_at, id);
CREATE INDEX mandates_initiator ON mandates (initiator, created_at, id);

CREATE TABLE roles (
    id          TEXT PRIMARY KEY,
    enterprise  TEXT    NOT NULL,
    person      TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    row_version INTEGER NOT NULL,
    doc         TEXT    NOT NULL
);
CREATE INDEX roles_enterprise ON roles (enterprise);
CREATE INDEX roles_person ON roles (person);

CREATE TABLE idempotency (
    principal   TEXT    NOT NULL,
    key         TEXT    NOT NULL,
    fingerprint TEXT    NOT NULL,
    status      INTEGER NOT NULL,
    body        TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (principal, key)
);

CREATE TABLE catalog (
    id  INTEGER PRIMARY KEY,
    doc TEXT NOT NULL
);
