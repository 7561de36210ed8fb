-- Keys (issue 11): the ledger records which keys its secrets depend on, so that the service
-- refuses to run with keys that cannot open them. key_ids holds the current keyset's ids: the kid
-- of the signing key and the id of the data key (an HMAC of the key: it reveals nothing about
-- it). Each sealed TOTP secret carries the id of the data key that sealed it; rows sealed before
-- this migration have NULL until the service finds out which key opens them.
CREATE TABLE key_ids (
    role        TEXT    PRIMARY KEY CHECK (role IN ('signing', 'data')),
    id          TEXT    NOT NULL,
    recorded_at INTEGER NOT NULL
) WITHOUT ROWID;

ALTER TABLE accounts ADD COLUMN mfa_secret_key TEXT;
ALTER TABLE accounts ADD COLUMN mfa_pending_key TEXT;

-- MFA challenge ids are stored as SHA-256 hashes and looked up by hash. Challenges live 5
-- minutes: the ones open at the upgrade are dropped (their sign-ins start again).
DROP TABLE challenges;
CREATE TABLE challenges (
    hash       BLOB    PRIMARY KEY,
    account    INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    wrong      INTEGER NOT NULL DEFAULT 0,
    done       INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE INDEX challenges_account ON challenges (account);
