-- The worker leases the oldest due deliveries, `ORDER BY next_attempt_at, id LIMIT n`
-- (bot/store/sql/deliveries.py). With the id missing from the index, every delivery due at the same
-- moment (a whole notify-bulk run, say) was sorted on each lease; with it, the lease reads only
-- the rows it takes. It serves everything `deliveries_due` did; that one stays while a release that
-- may be rolled back to expects it (migrations only add), and can go in a later release.
CREATE INDEX deliveries_due_order ON deliveries (status, next_attempt_at, id);
