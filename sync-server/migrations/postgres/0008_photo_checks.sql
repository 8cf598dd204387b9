-- Issue 16: an upload is acknowledged once its photo is stored and the checks that need no
-- decoding passed (size, format, the header's dimensions, a JPEG's completeness and metadata);
-- the whole decode and the thumbnail follow in the background (`photos::check`). `checked_at`
-- is when that check ended (NULL: not yet) and `quarantine` why the photo failed it
-- ("code: message"): a quarantined photo is kept, logged, counted and shown as damaged, never
-- dropped. Photos stored before this migration were decoded before they were acknowledged.
ALTER TABLE photos ADD COLUMN checked_at TEXT;
ALTER TABLE photos ADD COLUMN quarantine TEXT;
UPDATE photos SET checked_at = stored_at;
CREATE INDEX photos_unchecked ON photos(stored_at) WHERE checked_at IS NULL;
