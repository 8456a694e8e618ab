-- A limited view of a participant (what a supervisor sees) changes with the day, as consents
-- begin and end, without a new version. Each device remembers the day of the limited views
-- it was last sent and the cursor of that response: until the device sends that cursor back,
-- the next pull sends them again (lotsa_core::sync::scopes::views). Scope rows are confirmed
-- the same way from now on (the exact cursor, not one at or past it): the rows stored before
-- are sent once more, which is safe.
ALTER TABLE sync_clients ADD COLUMN views_on TEXT;
ALTER TABLE sync_clients ADD COLUMN views_cursor BIGINT NOT NULL DEFAULT 0;

