-- The running summary of a session's older turns (docs/architecture.md, "Long conversations"):
-- a turn reads it and the messages after summary_through, never the whole history.
ALTER TABLE chat_sessions ADD COLUMN summary TEXT NOT NULL DEFAULT '';
ALTER TABLE chat_sessions ADD COLUMN summary_through INTEGER NOT NULL DEFAULT 0;  -- chat_messages.id folded last
