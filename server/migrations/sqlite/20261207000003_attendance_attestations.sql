-- A participant's attestation of a month's attendance report: the report's text as attested
-- and its SHA-256 digest, who attested and when. While the latest attestation of a month is
-- not reopened, the month's attendance is locked; reopening keeps the attested version.
CREATE TABLE attendance_attestations (
    participant_id TEXT NOT NULL,
    month TEXT NOT NULL,
    attested_at TEXT NOT NULL,
    attested_by TEXT NOT NULL,
    digest TEXT NOT NULL,
    report TEXT NOT NULL,
    reopened_at TEXT,
    reopened_by TEXT,
    PRIMARY KEY (participant_id, month, attested_at)
);
