-- API keys (issue 12): long-lived credentials of one account, stored as the SHA-256 of the
-- secret (looked up by it). scopes is a comma-separated list ("read,pay"). spend_limit is NULL
-- for no limit; spent is what the key spent in the calendar period that starts at period_start
-- (Unix ms), reset by the first spending of a new period. Times are Unix milliseconds.
CREATE TABLE api_keys (
    n            INTEGER PRIMARY KEY,
    id           TEXT    NOT NULL UNIQUE,
    account      INTEGER NOT NULL REFERENCES accounts (n),
    hash         BLOB    NOT NULL UNIQUE,
    name         TEXT    NOT NULL,
    scopes       TEXT    NOT NULL,
    spend_limit  INTEGER CHECK (spend_limit IS NULL OR spend_limit > 0),
    period       TEXT    CHECK (period IS NULL OR period IN ('day', 'week', 'month')),
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at   INTEGER,
    period_start INTEGER NOT NULL DEFAULT 0,
    spent        INTEGER NOT NULL DEFAULT 0 CHECK (spent >= 0),
    CHECK ((spend_limit IS NULL) = (period IS NULL))
);
CREATE INDEX api_keys_account ON api_keys (account);

-- The id of the API key each transaction was created with (NULL: a session, Basic or the system).
ALTER TABLE transactions ADD COLUMN api_key TEXT;
