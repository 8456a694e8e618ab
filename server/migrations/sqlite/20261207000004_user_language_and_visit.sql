-- The language a user chose (a locale code such as sv, ar or fa-AF), kept on the account so
-- that a new device and the calendar feed speak it too; none until they choose.
ALTER TABLE users ADD COLUMN language TEXT;
-- The newest record version of their schedule a participant has been shown: what changed
-- after it is marked as new on their next visit.
ALTER TABLE users ADD COLUMN schedule_seen_version INTEGER;
