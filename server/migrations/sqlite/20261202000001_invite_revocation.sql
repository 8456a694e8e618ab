-- Accepting an invite revokes every other open invite for the same person, so a code
-- handed out earlier cannot bind the person's file to a second account.
ALTER TABLE invites ADD COLUMN revoked_at TEXT;
CREATE INDEX invites_subject ON invites (subject_kind, subject_id);
