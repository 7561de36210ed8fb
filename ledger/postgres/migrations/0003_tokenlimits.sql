-- Reusable delegation tokens with limits (issue 13, helper "tokens"), as SQLite's
-- 0006_tokenlimits.sql: the tokens handed out with their limits and what their transactions took,
-- which token created which transaction, and 0.00 delegated transactions.
CREATE TABLE tokens (
    id          TEXT    PRIMARY KEY,
    sender      BIGINT  NOT NULL REFERENCES accounts (n),
    recipient   BIGINT  NOT NULL REFERENCES accounts (n),
    max_amount  BIGINT,
    max_uses    BIGINT,
    used_amount BIGINT  NOT NULL DEFAULT 0,
    used_count  BIGINT  NOT NULL DEFAULT 0,
    created_at  BIGINT  NOT NULL,
    expires_at  BIGINT  NOT NULL,
    revoked_at  BIGINT,
    CHECK (max_amount IS NULL OR max_amount > 0),
    CHECK (max_uses IS NULL OR max_uses > 0),
    CHECK (used_amount >= 0 AND (max_amount IS NULL OR used_amount <= max_amount)),
    CHECK (used_count >= 0 AND (max_uses IS NULL OR used_count <= max_uses))
);
CREATE INDEX tokens_sender ON tokens (sender, created_at);
CREATE INDEX tokens_expires ON tokens (expires_at);

CREATE TABLE token_uses (
    tx    TEXT PRIMARY KEY,
    token TEXT NOT NULL
);
CREATE INDEX token_uses_token ON token_uses (token);

ALTER TABLE transactions DROP CONSTRAINT transactions_amount_check;
ALTER TABLE transactions ADD CONSTRAINT transactions_amount_check CHECK (amount >= 0);
