-- What a partner's allowance counts (bot/store/sql/allowance.py): its notifications by time, a
-- claim's latest notification by the channel asked for, and the messages each one queued.
ALTER TABLE notifications ADD COLUMN messages INTEGER NOT NULL DEFAULT 0;
ALTER TABLE notifications ADD COLUMN channel TEXT;
CREATE INDEX notifications_partner ON notifications (partner_id, created_at);
CREATE INDEX notifications_claim ON notifications (claim_id, created_at);
