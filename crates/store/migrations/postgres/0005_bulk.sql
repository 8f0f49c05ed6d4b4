-- Bulk jobs: a file's rows, checked first (dry run), then applied row by row or all at once.
-- A row is marked applied in the same transaction as its change, so that a job resumed after
-- a crash applies every row exactly once.

CREATE TABLE bulk_jobs (
    id         TEXT PRIMARY KEY,
    owner      TEXT   NOT NULL,
    person     TEXT   NOT NULL,
    doc        TEXT   NOT NULL,
    state      TEXT   NOT NULL,
    total      BIGINT NOT NULL,
    succeeded  BIGINT NOT NULL,
    failed     BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX bulk_jobs_state ON bulk_jobs (state);

CREATE TABLE bulk_rows (
    job_id      TEXT   NOT NULL,
    line        BIGINT NOT NULL,
    input       TEXT,
    natural_key TEXT,
    state       TEXT   NOT NULL,
    errors      TEXT,
    mandate_id  TEXT,
    PRIMARY KEY (job_id, line)
);
