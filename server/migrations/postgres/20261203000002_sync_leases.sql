-- Which request may sync a device now: one at a time per device, whichever server process
-- it reaches. A lease that outlives its request (a crash) expires at held_until.
CREATE TABLE sync_leases (
    client_id TEXT PRIMARY KEY,
    token TEXT NOT NULL,
    held_until TIMESTAMPTZ NOT NULL
);
