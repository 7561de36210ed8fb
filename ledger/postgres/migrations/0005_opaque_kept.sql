-- An idempotency key keeps opaque bytes (issue 14, helper "outcomes"), as SQLite's
-- 0008_opaque_kept.sql: the ledger stores what the server renders and hands the same bytes back,
-- and knows nothing of HTTP. Until now a key kept an HTTP status and a body in two columns; each
-- such row is wrapped here, once, in the server's envelope version 1 (server/idempotency.go,
-- keptResponse): the byte 0x01, the status as three ASCII digits, then the body as it was. A
-- retry after the upgrade still gets the first response back byte for byte. (Numbered 0005: 0004
-- is taken by the recovery codes' migration.)
UPDATE idempotency SET body = decode('01', 'hex') || convert_to(lpad(status::text, 3, '0'), 'UTF8') || body;
ALTER TABLE idempotency DROP COLUMN status;
ALTER TABLE idempotency RENAME COLUMN body TO response;
