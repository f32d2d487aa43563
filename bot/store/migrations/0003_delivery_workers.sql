-- The delivery workers alive now (each writes a heartbeat every few seconds). Teams' per-tenant
-- limit is for the whole app, so each worker takes its share of it: 1/N with N workers alive.
CREATE TABLE delivery_workers (
    owner    TEXT PRIMARY KEY,
    seen_at  TEXT NOT NULL
);

-- A conversation is served by one worker at a time: leasing looks for others' sends in flight.
CREATE INDEX deliveries_conversation ON deliveries (conversation_id, status);
