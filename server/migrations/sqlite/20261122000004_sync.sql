-- Devices that sync: each belongs to one user, remembers the last mutation the server
-- processed for it (so a retried request is answered "duplicate", not applied twice) and
-- which participants, workplaces and supervisors it has been sent (so it can be told to
-- forget them when access ends).
CREATE TABLE sync_clients (
    client_id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    last_mutation_id INTEGER NOT NULL,
    scopes_cursor INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL
);

CREATE TABLE sync_client_scopes (
    client_id TEXT NOT NULL REFERENCES sync_clients (client_id) ON DELETE CASCADE,
    scope TEXT NOT NULL,
    PRIMARY KEY (client_id, scope)
);
