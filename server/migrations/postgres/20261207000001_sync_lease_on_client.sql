-- The lease on a syncing device moves onto the device's own row, so that one statement takes
-- it and reads what the server remembers of the device, and the statement that saves what a
-- response told the device also gives it back.
ALTER TABLE sync_clients ADD COLUMN lease_token TEXT;
ALTER TABLE sync_clients ADD COLUMN lease_until TIMESTAMPTZ;
DROP TABLE sync_leases;
