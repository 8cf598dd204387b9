-- When the server received each patrol's start (figures a device can fake). A patrol's
-- `started_at` is what the device claims; `received_at` is the server's own clock when the
-- `patrol.start` op arrived, so coverage can refuse a patrol dated into the future
-- (`yiwang_core::measures::PatrolFacts::counts`).
--
-- Patrols stored before this version take the receipt time of their first applied
-- `patrol.start` op (the op log keeps it), or, when no such op is recorded, their claimed start:
-- an old patrol is never judged future-dated for want of a receipt time. The receipt times are
-- gathered in one pass over the op log (it has no index by entity), then joined by key.
ALTER TABLE patrols ADD COLUMN received_at TEXT;
CREATE TEMP TABLE patrol_receipts (id TEXT PRIMARY KEY, received_at TEXT NOT NULL);
INSERT INTO patrol_receipts(id, received_at)
    SELECT entity_id, min(received_at) FROM ops
     WHERE type = 'patrol.start' AND status = 'applied'
     GROUP BY entity_id;
UPDATE patrols SET received_at = COALESCE(
    (SELECT r.received_at FROM patrol_receipts r WHERE r.id = patrols.id),
    started_at);
DROP TABLE patrol_receipts;
