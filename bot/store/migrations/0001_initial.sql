-- Initial schema. Portable SQL: it runs unchanged on SQLite and PostgreSQL.
-- Ids are text (UUIDs made by the service); times are ISO-8601 UTC text, which sorts correctly.

CREATE TABLE partners (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    created_at  TEXT NOT NULL
);

CREATE TABLE partner_keys (
    id          TEXT PRIMARY KEY,
    partner_id  TEXT NOT NULL REFERENCES partners (id),
    secret_hash TEXT NOT NULL,
    label       TEXT,
    created_at  TEXT NOT NULL,
    revoked_at  TEXT
);

-- One row per conversation the bot is installed in; the latest serviceUrl wins.
CREATE TABLE conversation_refs (
    conversation_id   TEXT PRIMARY KEY,
    tenant_id         TEXT NOT NULL,
    aad_object_id     TEXT,
    user_id           TEXT,
    email             TEXT,
    conversation_type TEXT NOT NULL,
    channel_id        TEXT NOT NULL,
    service_url       TEXT NOT NULL,
    reference_json    TEXT NOT NULL,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
);
CREATE INDEX conversation_refs_user ON conversation_refs (tenant_id, aad_object_id);
CREATE INDEX conversation_refs_email ON conversation_refs (tenant_id, email);

CREATE TABLE claims (
    id                  TEXT PRIMARY KEY,
    partner_id          TEXT NOT NULL REFERENCES partners (id),
    customer_tenant_id  TEXT NOT NULL,
    customer_name       TEXT NOT NULL,
    solution_area       TEXT NOT NULL,
    status              TEXT NOT NULL,
    submitted_on        TEXT NOT NULL,
    partner_reference   TEXT,
    message             TEXT,
    locale              TEXT,
    dispute_used        INTEGER NOT NULL DEFAULT 0,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL
);
CREATE INDEX claims_partner ON claims (partner_id, created_at);
CREATE INDEX claims_tenant ON claims (customer_tenant_id, created_at);

CREATE TABLE claim_workloads (
    claim_id    TEXT NOT NULL REFERENCES claims (id),
    workload_id TEXT NOT NULL,
    position    INTEGER NOT NULL,
    PRIMARY KEY (claim_id, workload_id)
);

CREATE TABLE contacts (
    id            TEXT PRIMARY KEY,
    claim_id      TEXT NOT NULL REFERENCES claims (id),
    position      INTEGER NOT NULL,
    name          TEXT NOT NULL,
    email         TEXT NOT NULL,
    aad_object_id TEXT,
    locale        TEXT
);
CREATE INDEX contacts_claim ON contacts (claim_id, position);

-- A partner's request to notify (kind 'claim') or a status change (kind 'status').
CREATE TABLE notifications (
    id          TEXT PRIMARY KEY,
    claim_id    TEXT NOT NULL REFERENCES claims (id),
    partner_id  TEXT NOT NULL REFERENCES partners (id),
    kind        TEXT NOT NULL DEFAULT 'claim',
    old_status  TEXT,
    new_status  TEXT,
    created_at  TEXT NOT NULL
);

-- The outbox. kind: 'claim' (send the claim card), 'status' (send a short status-changed card),
-- 'update' (replace an already sent claim card in place; target_activity_id names it),
-- 'partner' (tell a partner user linked in Teams about a customer response; response_id names it,
-- and contact_id and notification_id are empty).
-- status: waiting (no Teams conversation with the contact yet), queued, sending (leased), sent,
-- failed, unknown (the lease ran out mid-send: it may or may not have arrived).
-- dedupe_key makes enqueueing idempotent.
CREATE TABLE deliveries (
    id                 TEXT PRIMARY KEY,
    notification_id    TEXT REFERENCES notifications (id),
    claim_id           TEXT NOT NULL REFERENCES claims (id),
    contact_id         TEXT REFERENCES contacts (id),
    channel            TEXT NOT NULL,
    kind               TEXT NOT NULL DEFAULT 'claim',
    target_activity_id TEXT,
    response_id        TEXT,
    dedupe_key         TEXT NOT NULL UNIQUE,
    status             TEXT NOT NULL,
    conversation_id    TEXT,
    activity_id        TEXT,
    attempts           INTEGER NOT NULL DEFAULT 0,
    next_attempt_at    TEXT NOT NULL,
    lease_owner        TEXT,
    lease_until        TEXT,
    last_error         TEXT,
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL,
    sent_at            TEXT
);
CREATE INDEX deliveries_due ON deliveries (status, next_attempt_at);
CREATE INDEX deliveries_claim ON deliveries (claim_id, created_at);
CREATE INDEX deliveries_contact ON deliveries (contact_id, status);

-- Append-only record of what happened, for partners and operators.
CREATE TABLE audit_log (
    id          TEXT PRIMARY KEY,
    at          TEXT NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    subject     TEXT,
    detail_json TEXT NOT NULL
);
CREATE INDEX audit_log_subject ON audit_log (subject, at);
