-- Version 0006: contained in 0001_init.sql (PostgreSQL support began at version 6; see there).
-- The file keeps the version numbers of both backends in step.
SELECT 1;
