-- Delegation tokens (issue 11, review): they are not stored when issued, yet they depend on the
-- signing key until they expire. signed_tokens keeps, per signing kid, the latest time a token it
-- signed may still be presented, so that the service refuses to start without that key while one
-- may.
CREATE TABLE signed_tokens (
    kid         TEXT    PRIMARY KEY,
    valid_until INTEGER NOT NULL
) WITHOUT ROWID;
