-- Reusable delegation tokens with limits (issue 13, helper "tokens").
--
-- tokens: every token handed out from now on, with the limits its sender set and what its
-- transactions took (used_count: transactions created; used_amount: those not cancelled). The
-- CHECKs make a Hold that would pass a limit impossible to commit, whatever the code does.
-- Tokens issued before this migration have no row: they stay single use (used_tokens).
CREATE TABLE tokens (
    id          TEXT    PRIMARY KEY,
    sender      INTEGER NOT NULL REFERENCES accounts (n),
    recipient   INTEGER NOT NULL REFERENCES accounts (n),
    max_amount  INTEGER,
    max_uses    INTEGER,
    used_amount INTEGER NOT NULL DEFAULT 0,
    used_count  INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    revoked_at  INTEGER,
    CHECK (max_amount IS NULL OR max_amount > 0),
    CHECK (max_uses IS NULL OR max_uses > 0),
    CHECK (used_amount >= 0 AND (max_amount IS NULL OR used_amount <= max_amount)),
    CHECK (used_count >= 0 AND (max_uses IS NULL OR used_count <= max_uses))
) WITHOUT ROWID;
CREATE INDEX tokens_sender ON tokens (sender, created_at);
CREATE INDEX tokens_expires ON tokens (expires_at);

-- Which token created which transaction, so that a cancel gives the amount back.
CREATE TABLE token_uses (
    tx    TEXT PRIMARY KEY,
    token TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX token_uses_token ON token_uses (token);

-- A delegated transaction may be 0.00 (a free call, recorded). SQLite cannot ALTER a CHECK, so
-- the constraint's text is loosened in place, the procedure SQLite documents for removing or
-- loosening CHECK constraints (lang_altertable.html, "other kinds of table schema changes"):
-- existing rows all satisfy the looser check, and the table's other columns, including any a
-- later or parallel migration added, are left exactly as they are. RESET makes this connection
-- read the new schema; other connections see the schema change by its version.
PRAGMA writable_schema = ON;
UPDATE sqlite_schema SET sql = replace(sql, 'CHECK (amount > 0)', 'CHECK (amount >= 0)')
    WHERE type = 'table' AND name = 'transactions';
PRAGMA writable_schema = RESET;
