-- When a delivery's request left: written by the worker just before it sends, cleared when the
-- delivery is leased again. A lease that runs out makes a started delivery `unknown` (it may have
-- arrived) and puts one that never started back in the queue.
ALTER TABLE deliveries ADD COLUMN started_at TEXT;
