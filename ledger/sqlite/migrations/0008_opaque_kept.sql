-- An idempotency key keeps opaque bytes (issue 14, helper "outcomes"): the ledger stores what the
-- server renders and hands the same bytes back, and knows nothing of HTTP. Until now a key kept an
-- HTTP status and a body in two columns; each such row is wrapped here, once, in the server's
-- envelope version 1 (server/idempotency.go, keptResponse): the byte 0x01, the status as three
-- ASCII digits, then the body as it was. A retry after the upgrade still gets the first response
-- back byte for byte. (Numbered 0008: 0007 is taken by the recovery codes' migration.)
UPDATE idempotency SET body = CAST(char(1) || printf('%03d', status) || CAST(body AS TEXT) AS BLOB);
ALTER TABLE idempotency DROP COLUMN status;
ALTER TABLE idempotency RENAME COLUMN body TO response;
