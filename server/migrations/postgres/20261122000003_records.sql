-- The programme's records, stored as validated JSON (the app's domain types parse it) with
-- the columns the server filters by: scope (whose permissions govern the record), programme
-- and participant. Every change takes the next value of one counter, so a device can ask for
-- "everything after version N".
CREATE TABLE version_counter (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    value BIGINT NOT NULL
);
INSERT INTO version_counter (id, value) VALUES (1, 0);

CREATE TABLE records (
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    programme_id TEXT NOT NULL,
    scope TEXT NOT NULL,
    participant_id TEXT,
    version BIGINT NOT NULL,
    deleted BOOLEAN NOT NULL,
    data TEXT NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    updated_by TEXT NOT NULL,
    PRIMARY KEY (kind, id)
);
CREATE INDEX records_version ON records (version);
CREATE INDEX records_scope ON records (scope, version);
CREATE INDEX records_programme ON records (programme_id, version);
CREATE INDEX records_participant ON records (participant_id);

-- Every version of every record: concurrent edits keep both, and who changed what is known.
CREATE TABLE record_history (
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    version BIGINT NOT NULL,
    deleted BOOLEAN NOT NULL,
    data TEXT NOT NULL,
    changed_at TIMESTAMPTZ NOT NULL,
    changed_by TEXT NOT NULL,
    PRIMARY KEY (kind, id, version)
);

-- The ties records create between people and entities (case manager of a participant,
-- supervisor during a placement, …), rebuilt whenever their record changes. Permissions
-- are decided from them.
CREATE TABLE links (
    source_kind TEXT NOT NULL,
    source_id TEXT NOT NULL,
    principal TEXT NOT NULL,
    link TEXT NOT NULL,
    target TEXT NOT NULL,
    valid_from DATE,
    valid_until DATE
);
CREATE INDEX links_source ON links (source_kind, source_id);
CREATE INDEX links_principal ON links (principal);
CREATE INDEX links_target ON links (target);

-- Who read or changed which participant's data, when, from where, and how. Codes and ids
-- only, never free text. Append-only: the triggers below refuse changes and deletions.
-- Entries are kept (at least 5 years is required; nothing prunes them).
CREATE TABLE access_log (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at TIMESTAMPTZ NOT NULL,
    user_id TEXT NOT NULL,
    participant_id TEXT,
    action TEXT NOT NULL CHECK (action IN ('read', 'create', 'update', 'delete', 'invite')),
    kind TEXT NOT NULL,
    record_id TEXT,
    address TEXT
);
CREATE INDEX access_log_participant ON access_log (participant_id, at);
CREATE INDEX access_log_user ON access_log (user_id, at);
CREATE INDEX access_log_at ON access_log (at);

-- One-time invites; only a hash of the code is kept.
CREATE TABLE invites (
    code_hash TEXT PRIMARY KEY,
    role TEXT NOT NULL CHECK (role IN ('supervisor', 'participant')),
    subject_kind TEXT NOT NULL,
    subject_id TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    used_at TIMESTAMPTZ,
    used_by TEXT
);

CREATE FUNCTION access_log_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the access log is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER access_log_append_only BEFORE UPDATE OR DELETE ON access_log
    FOR EACH STATEMENT EXECUTE FUNCTION access_log_append_only();
CREATE TRIGGER access_log_no_truncate BEFORE TRUNCATE ON access_log
    FOR EACH STATEMENT EXECUTE FUNCTION access_log_append_only();
