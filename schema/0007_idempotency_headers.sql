-- A replayed answer carries the headers of the first one (X-Session-Id of a chat completion),
-- not only its status, type and body: a JSON array of [name, value] pairs.
ALTER TABLE idempotency_keys ADD COLUMN headers TEXT NOT NULL DEFAULT '[]';
