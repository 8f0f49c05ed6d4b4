-- The outbox: everything that must leave the service (a mail, a webhook), one row per
-- message and recipient, kept until it is delivered, failed after its last retry, or
-- dropped because it no longer holds. Written in the transaction of the change that causes
-- it; a dispatcher leases due rows for a while, so that an instance that dies mid-delivery
-- leaves them to another once the lease runs out.
CREATE TABLE deliveries (
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
);
CREATE INDEX deliveries_due ON deliveries (channel, status, due_at);
CREATE INDEX deliveries_target ON deliveries (channel, target, status, due_at);

-- What a party is told: the inbox of a person, or of an enterprise for those who act for
-- it. Notices that time brings (a reminder, a lapse) carry a key that makes them unique:
-- the scheduler writes each once, however many instances run it.
CREATE TABLE notices (
    id          TEXT PRIMARY KEY,
    party       TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    mandate_id  TEXT,
    seq         BIGINT,
    detail      TEXT    NOT NULL,
    created_at  BIGINT  NOT NULL,
    read_at     BIGINT,
    once_key    TEXT UNIQUE
);
CREATE INDEX notices_party ON notices (party, created_at, id);

-- How a person wants to be told: an address, a language, and how often ('each': every
-- notice, bursts joined into one digest; 'daily': one digest a day; 'none': no mail).
CREATE TABLE contact_preferences (
    person     TEXT PRIMARY KEY,
    email      TEXT,
    lang       TEXT,
    mail       TEXT   NOT NULL,
    updated_at BIGINT NOT NULL
);

-- How far the scheduler has looked for notices that time brings, per kind: up to an
-- instant and, among the rows at that instant, an id (a bulk job makes thousands alike).
CREATE TABLE schedule_marks (
    name     TEXT PRIMARY KEY,
    until_at BIGINT NOT NULL,
    after_id TEXT   NOT NULL
);

-- The scheduler looks for deadlines and ends in a window of time.
CREATE INDEX mandates_lapses_at ON mandates (lapses_at);
CREATE INDEX mandates_ends_at ON mandates (ends_at);

-- The last day of a role, beside its document: the scheduler tells its holder when it ends.
ALTER TABLE roles ADD COLUMN valid_until TEXT;
UPDATE roles SET valid_until = doc::jsonb ->> 'valid_until';
CREATE INDEX roles_valid_until ON roles (valid_until, id);
