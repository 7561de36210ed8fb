-- The ledger on PostgreSQL: the same tables as ledger/sqlite's migrations 0001 to 0004, in one
-- step. Money is integer micro-units (bigint); times are Unix milliseconds (bigint), as in the
-- SQLite store, so both stores share their logic. Balances can never go negative: the CHECKs
-- below hold even if the code that debits (under the account's row lock) were wrong.
CREATE TABLE accounts (
    n                BIGSERIAL PRIMARY KEY,
    id               TEXT    NOT NULL UNIQUE,
    email            TEXT    NOT NULL UNIQUE,
    password_hash    TEXT    NOT NULL DEFAULT '',
    organization     TEXT,
    balance          BIGINT  NOT NULL DEFAULT 0,
    held             BIGINT  NOT NULL DEFAULT 0,
    mfa_enabled      BOOLEAN NOT NULL DEFAULT FALSE,
    system           BOOLEAN NOT NULL DEFAULT FALSE,
    last_seq         BIGINT  NOT NULL DEFAULT 0,
    pruned_seq       BIGINT  NOT NULL DEFAULT 0,
    created_at       BIGINT  NOT NULL,
    mfa_secret       BYTEA,
    mfa_pending      BYTEA,
    mfa_last_step    BIGINT  NOT NULL DEFAULT 0,
    mfa_failures     INTEGER NOT NULL DEFAULT 0,
    mfa_locked_until BIGINT  NOT NULL DEFAULT 0,
    mfa_secret_key   TEXT,
    mfa_pending_key  TEXT,
    CONSTRAINT balance_not_negative CHECK (system OR balance >= 0),
    CONSTRAINT held_not_negative CHECK (held >= 0),
    CONSTRAINT held_within_balance CHECK (system OR held <= balance)
);

CREATE TABLE transactions (
    n           BIGSERIAL PRIMARY KEY,
    id          TEXT   NOT NULL UNIQUE,
    sender      BIGINT NOT NULL REFERENCES accounts (n),
    recipient   BIGINT NOT NULL REFERENCES accounts (n),
    amount      BIGINT NOT NULL CHECK (amount > 0),
    status      TEXT   NOT NULL CHECK (status IN ('PENDING', 'COMPLETED', 'CANCELLED')),
    created_by  TEXT   NOT NULL,
    resolved_by TEXT,
    created_at  BIGINT NOT NULL,
    resolved_at BIGINT,
    app_name    TEXT,
    app_ep_path TEXT,
    memo        TEXT,
    metadata    TEXT,
    CHECK (sender <> recipient)
);

-- One row per party of each transfer, so an account's history is one index range, newest first.
CREATE TABLE parties (
    account      BIGINT  NOT NULL,
    tx           BIGINT  NOT NULL,
    outgoing     BOOLEAN NOT NULL,
    counterparty BIGINT  NOT NULL,
    PRIMARY KEY (account, tx)
);

-- The events outbox: (account, seq) is unique, and seq is allocated under the account's row lock.
CREATE TABLE events (
    account BIGINT NOT NULL,
    seq     BIGINT NOT NULL,
    type    TEXT   NOT NULL,
    at      BIGINT NOT NULL,
    data    TEXT   NOT NULL,
    PRIMARY KEY (account, seq)
);
CREATE INDEX events_at ON events (at);

-- Idempotency keys are unique per account across every instance: the primary key.
CREATE TABLE idempotency (
    account     BIGINT NOT NULL,
    key         TEXT   NOT NULL,
    fingerprint BYTEA  NOT NULL,
    status      INTEGER NOT NULL,
    body        BYTEA  NOT NULL,
    created_at  BIGINT NOT NULL,
    CONSTRAINT idempotency_pkey PRIMARY KEY (account, key)
);
CREATE INDEX idempotency_created ON idempotency (created_at);

CREATE TABLE used_tokens (
    id      TEXT   PRIMARY KEY,
    used_at BIGINT NOT NULL
);

CREATE TABLE sessions (
    id         TEXT   PRIMARY KEY,
    account    BIGINT NOT NULL REFERENCES accounts (n),
    created_at BIGINT NOT NULL,
    revoked_at BIGINT,
    user_agent TEXT   NOT NULL DEFAULT ''
);
CREATE INDEX sessions_account ON sessions (account);

CREATE TABLE refresh_tokens (
    hash       BYTEA  PRIMARY KEY,
    session    TEXT   NOT NULL REFERENCES sessions (id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    spent_at   BIGINT
);
CREATE INDEX refresh_tokens_session ON refresh_tokens (session);

CREATE TABLE recovery_codes (
    account BIGINT NOT NULL,
    hash    BYTEA  NOT NULL,
    used_at BIGINT,
    PRIMARY KEY (account, hash)
);

CREATE TABLE challenges (
    hash       BYTEA   PRIMARY KEY,
    account    BIGINT  NOT NULL,
    expires_at BIGINT  NOT NULL,
    wrong      INTEGER NOT NULL DEFAULT 0,
    done       BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX challenges_account ON challenges (account);

CREATE TABLE key_ids (
    role        TEXT   PRIMARY KEY CHECK (role IN ('signing', 'data')),
    id          TEXT   NOT NULL,
    recorded_at BIGINT NOT NULL
);

CREATE TABLE signed_tokens (
    kid         TEXT   PRIMARY KEY,
    valid_until BIGINT NOT NULL
);
