-- What customers do with a card: acknowledge it, report that they don't recognise the partner, or
-- ask a question. One row per distinct response; a repeated click finds the same dedupe_key.

CREATE TABLE responses (
    id            TEXT PRIMARY KEY,
    claim_id      TEXT NOT NULL REFERENCES claims (id),
    kind          TEXT NOT NULL,
    tenant_id     TEXT NOT NULL,
    aad_object_id TEXT,
    user_id       TEXT,
    user_name     TEXT,
    contact_id    TEXT REFERENCES contacts (id),
    channel       TEXT NOT NULL,
    text          TEXT,
    dedupe_key    TEXT NOT NULL UNIQUE,
    created_at    TEXT NOT NULL
);
CREATE INDEX responses_claim ON responses (claim_id, created_at);

-- A partner's webhook: customer responses are POSTed there, signed with the secret.
CREATE TABLE partner_webhooks (
    partner_id  TEXT PRIMARY KEY REFERENCES partners (id),
    url         TEXT NOT NULL,
    secret      TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

-- The webhook outbox and its delivery log: one row per event per partner.
CREATE TABLE webhook_events (
    id               TEXT PRIMARY KEY,
    partner_id       TEXT NOT NULL REFERENCES partners (id),
    claim_id         TEXT NOT NULL REFERENCES claims (id),
    event_type       TEXT NOT NULL,
    payload_json     TEXT NOT NULL,
    dedupe_key       TEXT NOT NULL UNIQUE,
    status           TEXT NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TEXT NOT NULL,
    lease_owner      TEXT,
    lease_until      TEXT,
    last_status_code INTEGER,
    last_error       TEXT,
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    delivered_at     TEXT
);
CREATE INDEX webhook_events_due ON webhook_events (status, next_attempt_at);
CREATE INDEX webhook_events_partner ON webhook_events (partner_id, created_at);

-- One-time codes a partner's key issues so a partner user can link their Teams chat to the partner.
CREATE TABLE partner_link_codes (
    code_hash   TEXT PRIMARY KEY,
    partner_id  TEXT NOT NULL REFERENCES partners (id),
    expires_at  TEXT NOT NULL,
    used_at     TEXT,
    created_at  TEXT NOT NULL
);

-- Teams chats of partner users: they hear about customer responses and may compose claims there.
CREATE TABLE partner_links (
    conversation_id TEXT PRIMARY KEY,
    partner_id      TEXT NOT NULL REFERENCES partners (id),
    tenant_id       TEXT NOT NULL,
    aad_object_id   TEXT,
    user_name       TEXT,
    created_at      TEXT NOT NULL
);
CREATE INDEX partner_links_partner ON partner_links (partner_id);

-- Idempotency-Key on the partner API's POSTs: the first response is kept and replayed.
CREATE TABLE idempotency_keys (
    partner_id    TEXT NOT NULL REFERENCES partners (id),
    idem_key      TEXT NOT NULL,
    request_hash  TEXT NOT NULL,
    status        INTEGER,
    response_json TEXT,
    location      TEXT,
    created_at    TEXT NOT NULL,
    PRIMARY KEY (partner_id, idem_key)
);
