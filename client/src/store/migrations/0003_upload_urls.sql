-- Yiwang device store, schema 3: a photo's tus upload URL is kept with the photo while the
-- upload is under way, so an upload broken off by the app being killed (the OS reclaiming
-- memory, a flat battery) resumes from the server's offset after the restart instead of
-- sending the whole photo again. Cleared when the upload completes.
ALTER TABLE photos ADD COLUMN upload_url TEXT;
