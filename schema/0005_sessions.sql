-- Chat sessions of the External/OpenAI-compatible API: each belongs to one organization and
-- one user (the key's owner); the public id is unique within that owner, so an id chosen by a
-- client (ElevenLabs' conversation_id) never reveals or reaches another owner's session.
CREATE TABLE chat_sessions (
  id               INTEGER PRIMARY KEY,
  public_id        TEXT NOT NULL,
  org_id           INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  user_id          INTEGER NOT NULL,
  agent_id         TEXT,                     -- the agent that answered last
  title            TEXT NOT NULL DEFAULT '',
  created_at       TEXT NOT NULL,
  updated_unix     REAL NOT NULL,            -- last_update_time, ordered to the microsecond
  message_count    INTEGER NOT NULL DEFAULT 0,
  is_active        INTEGER NOT NULL DEFAULT 1,
  UNIQUE (org_id, user_id, public_id)
);
CREATE INDEX chat_sessions_recent ON chat_sessions(org_id, user_id, updated_unix DESC, id DESC);

CREATE TABLE chat_messages (
  id          INTEGER PRIMARY KEY,            -- order within the session
  public_id   TEXT NOT NULL UNIQUE,           -- UUID
  session_id  INTEGER NOT NULL REFERENCES chat_sessions(id) ON DELETE CASCADE,
  role        TEXT NOT NULL,
  content     TEXT NOT NULL,
  agent_id    TEXT,
  created_at  TEXT NOT NULL,
  usage       TEXT,                           -- JSON object (assistant turns) or NULL
  citations   TEXT NOT NULL DEFAULT '[]',     -- JSON array
  extra       TEXT                            -- JSON object: tool_calls, tool_call_id, name
);
CREATE INDEX chat_messages_session ON chat_messages(session_id, id);
