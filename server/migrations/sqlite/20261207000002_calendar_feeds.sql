-- A participant's private calendar link: one per account, replaced when a new one is made.
-- Only a hash of the link's secret is kept, so a copy of this table opens no feed.
CREATE TABLE calendar_feeds (
    user_id TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    participant_id TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);
-- The case manager revokes a participant's link.
CREATE INDEX calendar_feeds_participant ON calendar_feeds (participant_id);
