-- Yiwang device store, schema 4: a rejected op the worker has read and dismissed ("知道了")
-- leaves the sync screen's list and the badges; it stays in the outbox as rejected, so the
-- record it was about still reads as rejected, never as sent.
ALTER TABLE outbox ADD COLUMN dismissed_at TEXT;
