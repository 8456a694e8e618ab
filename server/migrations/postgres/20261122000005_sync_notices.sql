-- Each scope a device was sent remembers the response that sent it and the one that told
-- the device to forget it: until the device's cursor confirms that response, the work is
-- sent again, so a lost response never leaves data on a device that may no longer hold it
-- (app::sync::scopes::plan).
DROP TABLE sync_client_scopes;
CREATE TABLE sync_client_scopes (
    client_id TEXT NOT NULL REFERENCES sync_clients (client_id) ON DELETE CASCADE,
    scope TEXT NOT NULL,
    since BIGINT NOT NULL,
    dropped_at BIGINT,
    PRIMARY KEY (client_id, scope)
);
ALTER TABLE sync_clients DROP COLUMN scopes_cursor;

-- Why a mutation was refused, so a retry after a lost response says so again instead of
-- "duplicate", and the user learns about it.
CREATE TABLE sync_rejections (
    client_id TEXT NOT NULL REFERENCES sync_clients (client_id) ON DELETE CASCADE,
    mutation_id BIGINT NOT NULL,
    reason TEXT NOT NULL,
    PRIMARY KEY (client_id, mutation_id)
);

-- A user's change that another user's later change replaced without having seen it. Sent
-- to that user's devices by the pull that passes `version` (the replacing change).
CREATE TABLE sync_notices (
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    version BIGINT NOT NULL,
    kind TEXT NOT NULL,
    record_id TEXT NOT NULL,
    replaced_version BIGINT NOT NULL,
    PRIMARY KEY (user_id, version)
);
