-- API keys (issue 12), as ledger/sqlite's migration 0005: long-lived credentials of one account,
-- stored as the SHA-256 of the secret. spend_limit is NULL for no limit; spent is what the key
-- spent in the calendar period that starts at period_start (Unix ms). The row is locked by the
-- money transaction that spends from it, so instances never count past the limit together.
CREATE TABLE api_keys (
    n            BIGSERIAL PRIMARY KEY,
    id           TEXT   NOT NULL UNIQUE,
    account      BIGINT NOT NULL REFERENCES accounts (n),
    hash         BYTEA  NOT NULL UNIQUE,
    name         TEXT   NOT NULL,
    scopes       TEXT   NOT NULL,
    spend_limit  BIGINT CHECK (spend_limit IS NULL OR spend_limit > 0),
    period       TEXT   CHECK (period IS NULL OR period IN ('day', 'week', 'month')),
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at   BIGINT,
    period_start BIGINT NOT NULL DEFAULT 0,
    spent        BIGINT NOT NULL DEFAULT 0 CHECK (spent >= 0),
    CHECK ((spend_limit IS NULL) = (period IS NULL))
);
CREATE INDEX api_keys_account ON api_keys (account);

ALTER TABLE transactions ADD COLUMN api_key TEXT;
