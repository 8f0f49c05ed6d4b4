-- Webhook subscriptions of business applications: where to send the CloudEvents of their
-- domain, which types (an empty JSON array: all), the secret they are signed with (Standard
-- Webhooks, `whsec_` and base64; kept, since signing needs it), and the sequence of the
-- last event fanned out to the outbox (`deliveries`) for it.
CREATE TABLE webhook_subscriptions (
    id          TEXT PRIMARY KEY,
    client_id   TEXT   NOT NULL,
    url         TEXT   NOT NULL,
    types       TEXT   NOT NULL,
    secret      TEXT   NOT NULL,
    cursor      BIGINT NOT NULL,
    created_at  BIGINT NOT NULL,
    disabled_at BIGINT
);
CREATE INDEX webhook_subscriptions_client ON webhook_subscriptions (client_id, created_at);
CREATE INDEX webhook_subscriptions_cursor ON webhook_subscriptions (disabled_at, cursor);
