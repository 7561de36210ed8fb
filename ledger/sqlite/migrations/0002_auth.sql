-- Sign-in: sessions with rotating refresh tokens (stored hashed), TOTP state (secrets sealed by
-- the service), recovery codes (hashed) and MFA challenges.
CREATE TABLE sessions (
    id         TEXT    PRIMARY KEY,
    account    INTEGER NOT NULL REFERENCES accounts (n),
    created_at INTEGER NOT NULL,
    revoked_at INTEGER,
    user_agent TEXT    NOT NULL DEFAULT ''
) WITHOUT ROWID;
CREATE INDEX sessions_account ON sessions (account);

CREATE TABLE refresh_tokens (
    hash       BLOB    PRIMARY KEY,
    session    TEXT    NOT NULL REFERENCES sessions (id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    spent_at   INTEGER
) WITHOUT ROWID;
CREATE INDEX refresh_tokens_session ON refresh_tokens (session);

ALTER TABLE accounts ADD COLUMN mfa_secret BLOB;
ALTER TABLE accounts ADD COLUMN mfa_pending BLOB;
ALTER TABLE accounts ADD COLUMN mfa_last_step INTEGER NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN mfa_failures INTEGER NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN mfa_locked_until INTEGER NOT NULL DEFAULT 0;

CREATE TABLE recovery_codes (
    account INTEGER NOT NULL,
    hash    BLOB    NOT NULL,
    used_at INTEGER,
    PRIMARY KEY (account, hash)
) WITHOUT ROWID;

CREATE TABLE challenges (
    id         TEXT    PRIMARY KEY,
    account    INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    wrong      INTEGER NOT NULL DEFAULT 0,
    done       INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
