-- The lease on a syncing device moves onto the device's own row, so that one statement takes
-- it and reads what the server remembers of the device, and the statement that saves what a
-- response told the device also gives it back.
ALTER TABLE sync_clients ADD COLUMN lease_token TEXT;
ALTER TABLE sync_clients ADD COLUMN lease_until TIMESTAMPTZ;
-- Counts the changes to the device's scopes, so that a lease taken after waiting for the
-- previous holder's commit can tell whether the scopes it read are older than that commit.
ALTER TABLE sync_clients ADD COLUMN scopes_version BIGINT NOT NULL DEFAULT 0;
DROP TABLE sync_leases;
