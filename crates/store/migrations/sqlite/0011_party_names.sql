-- The names parties are known by, beside their numbers: a person's from the identity
-- provider at sign-in, an enterprise's from the enterprise register. One row a party, the
-- last name learned; `learned_at` is when it was learned or last changed.
CREATE TABLE party_names (
    party      TEXT   PRIMARY KEY,
    name       TEXT   NOT NULL,
    learned_at BIGINT NOT NULL
) WITHOUT ROWID;
