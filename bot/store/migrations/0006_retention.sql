-- Retention (bot/store/sql/retention.py). The purge walks claims by their last change and old audit
-- entries and idempotency keys by time; it finds a claim's webhook events by the claim; and each
-- engine checks a deleted notification or contact against the rows that name it, row by row, which
-- without these indexes would read all of deliveries or responses for every row deleted.
CREATE INDEX claims_updated ON claims (updated_at, id);
CREATE INDEX webhook_events_claim ON webhook_events (claim_id);
CREATE INDEX deliveries_notification ON deliveries (notification_id);
CREATE INDEX responses_contact ON responses (contact_id);
CREATE INDEX audit_log_at ON audit_log (at, id);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);
