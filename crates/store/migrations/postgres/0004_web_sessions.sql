-- Sessions of the web pages. The cookie carries a random secret; only its SHA-256 is kept.

CREATE TABLE web_sessions (
    id_hash      TEXT PRIMARY KEY,
    data         TEXT   NOT NULL,
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL
);
CREATE INDEX web_sessions_last_seen ON web_sessions (last_seen_at);
