-- The ledger: accounts, transfers, each account's view of its transfers, the events outbox,
-- idempotent responses and spent delegation tokens. Money is integer micro-units; times are
-- Unix milliseconds.
CREATE TABLE accounts (
    n             INTEGER PRIMARY KEY,
    id            TEXT    NOT NULL UNIQUE,
    email         TEXT    NOT NULL UNIQUE,
    password_hash TEXT    NOT NULL DEFAULT '',
    organization  TEXT,
    balance       INTEGER NOT NULL DEFAULT 0,
    held          INTEGER NOT NULL DEFAULT 0,
    mfa_enabled   INTEGER NOT NULL DEFAULT 0,
    system        INTEGER NOT NULL DEFAULT 0,
    last_seq      INTEGER NOT NULL DEFAULT 0,
    pruned_seq    INTEGER NOT NULL DEFAULT 0,
    created_at    INTEGER NOT NULL,
    CHECK (system = 1 OR balance >= 0),
    CHECK (held >= 0),
    CHECK (system = 1 OR held <= balance)
);

CREATE TABLE transactions (
    n           INTEGER PRIMARY KEY,
    id          TEXT    NOT NULL UNIQUE,
    sender      INTEGER NOT NULL REFERENCES accounts (n),
    recipient   INTEGER NOT NULL REFERENCES accounts (n),
    amount      INTEGER NOT NULL CHECK (amount > 0),
    status      TEXT    NOT NULL CHECK (status IN ('PENDING', 'COMPLETED', 'CANCELLED')),
    created_by  TEXT    NOT NULL,
    resolved_by TEXT,
    created_at  INTEGER NOT NULL,
    resolved_at INTEGER,
    app_name    TEXT,
    app_ep_path TEXT,
    memo        TEXT,
    metadata    TEXT,
    CHECK (sender <> recipient)
);

-- One row per party of each transfer, so an account's history is one index range, newest first.
CREATE TABLE parties (
    account      INTEGER NOT NULL,
    tx           INTEGER NOT NULL,
    outgoing     INTEGER NOT NULL,
    counterparty INTEGER NOT NULL,
    PRIMARY KEY (account, tx)
) WITHOUT ROWID;

CREATE TABLE events (
    account INTEGER NOT NULL,
    seq     INTEGER NOT NULL,
    type    TEXT    NOT NULL,
    at      INTEGER NOT NULL,
    data    TEXT    NOT NULL,
    PRIMARY KEY (account, seq)
) WITHOUT ROWID;
CREATE INDEX events_at ON events (at);

CREATE TABLE idempotency (
    account     INTEGER NOT NULL,
    key         TEXT    NOT NULL,
    fingerprint BLOB    NOT NULL,
    status      INTEGER NOT NULL,
    body        BLOB    NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (account, key)
) WITHOUT ROWID;
CREATE INDEX idempotency_created ON idempotency (created_at);

CREATE TABLE used_tokens (
    id      TEXT    PRIMARY KEY,
    used_at INTEGER NOT NULL
) WITHOUT ROWID;
