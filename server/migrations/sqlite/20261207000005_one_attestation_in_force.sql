-- At most one attestation of a month is in force, whatever requests race.
CREATE UNIQUE INDEX attendance_attestations_in_force
    ON attendance_attestations (participant_id, month) WHERE reopened_at IS NULL;
