-- The Workspace API's objects (API.md 5). Each table is declared once more in C++ as a
-- db::Kind (lib/workspace/kinds.cpp, lib/knowledge/memories.cpp, lib/agents/reminders.cpp):
-- the same columns, with their types and bounds. Search tables are FTS5 trigram indexes of
-- the searchable text (filter[search] is a substring match), kept in step by triggers.

-- An agent's auth key (X-Agent-Auth-Key) is a key row bound to the agent.
ALTER TABLE api_keys ADD COLUMN agent_id TEXT REFERENCES agents(id) ON DELETE CASCADE;
CREATE INDEX api_keys_agent ON api_keys(agent_id);
CREATE INDEX api_keys_user ON api_keys(user_id);

CREATE TABLE contacts (
  id                TEXT PRIMARY KEY,
  org_id            INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  name              TEXT NOT NULL,
  email             TEXT,
  phone             TEXT,
  company           TEXT,
  title             TEXT,
  notes             TEXT,
  tags              TEXT NOT NULL DEFAULT '[]',
  website           TEXT,
  birthday          TEXT,
  socials           TEXT NOT NULL DEFAULT '{}',
  next_follow_up_at TEXT,
  follow_up_note    TEXT,
  properties        TEXT NOT NULL DEFAULT '{}',
  created_unix      REAL NOT NULL,
  created_at        TEXT NOT NULL,
  updated_at        TEXT NOT NULL
);
CREATE INDEX contacts_org ON contacts(org_id, created_unix);
CREATE INDEX contacts_email ON contacts(org_id, email);
CREATE INDEX contacts_name ON contacts(org_id, name);
CREATE VIRTUAL TABLE contacts_search USING fts5(text, tokenize = 'trigram');
CREATE TRIGGER contacts_search_insert AFTER INSERT ON contacts BEGIN
  INSERT INTO contacts_search(rowid, text)
  VALUES (new.rowid, new.name || ' ' || coalesce(new.email, '') || ' ' || coalesce(new.company, '') || ' ' || new.tags);
END;
CREATE TRIGGER contacts_search_update AFTER UPDATE ON contacts BEGIN
  UPDATE contacts_search
  SET text = new.name || ' ' || coalesce(new.email, '') || ' ' || coalesce(new.company, '') || ' ' || new.tags
  WHERE rowid = new.rowid;
END;
CREATE TRIGGER contacts_search_delete AFTER DELETE ON contacts BEGIN
  DELETE FROM contacts_search WHERE rowid = old.rowid;
END;

CREATE TABLE contact_activities (
  id           TEXT PRIMARY KEY,
  org_id       INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  contact_id   TEXT NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
  type         TEXT NOT NULL,
  description  TEXT,
  meta         TEXT NOT NULL DEFAULT '{}',
  created_unix REAL NOT NULL,
  created_at   TEXT NOT NULL,
  updated_at   TEXT NOT NULL
);
CREATE INDEX contact_activities_contact ON contact_activities(contact_id, created_unix);

-- What changed on a contact, for its timeline: the fields a create or an update set.
CREATE TABLE contact_changes (
  id           INTEGER PRIMARY KEY,
  org_id       INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  contact_id   TEXT NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
  event        TEXT NOT NULL CHECK (event IN ('created', 'updated')),
  fields       TEXT NOT NULL,              -- JSON object: field -> new value
  created_unix REAL NOT NULL,
  created_at   TEXT NOT NULL
);
CREATE INDEX contact_changes_contact ON contact_changes(contact_id, created_unix);

CREATE TABLE goals (
  id           TEXT PRIMARY KEY,
  org_id       INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  agent_id     TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
  title        TEXT NOT NULL,
  description  TEXT,
  priority     TEXT NOT NULL DEFAULT 'normal',
  progress     INTEGER NOT NULL DEFAULT 0,
  status       TEXT NOT NULL DEFAULT 'active',
  notes        TEXT,
  created_unix REAL NOT NULL,
  created_at   TEXT NOT NULL,
  updated_at   TEXT NOT NULL
);
CREATE INDEX goals_org ON goals(org_id, created_unix);

CREATE TABLE items (
  id           TEXT PRIMARY KEY,
  org_id       INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  title        TEXT NOT NULL,
  description  TEXT,
  content      TEXT,
  priority     TEXT NOT NULL DEFAULT 'normal',
  due_date     TEXT,
  tags         TEXT NOT NULL DEFAULT '[]',
  goal_id      TEXT REFERENCES goals(id) ON DELETE SET NULL,
  status       TEXT NOT NULL DEFAULT 'backlog',
  contact_ids  TEXT NOT NULL DEFAULT '[]',
  meta         TEXT NOT NULL DEFAULT '{}',
  created_unix REAL NOT NULL,
  created_at   TEXT NOT NULL,
  updated_at   TEXT NOT NULL
);
CREATE INDEX items_org ON items(org_id, created_unix);
CREATE INDEX items_status ON items(org_id, status);
CREATE INDEX items_due ON items(org_id, due_date);

CREATE TABLE memories (
  id           TEXT PRIMARY KEY,
  org_id       INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  agent_id     TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
  content      TEXT NOT NULL,
  category     TEXT,
  tags         TEXT NOT NULL DEFAULT '[]',
  team_visible INTEGER NOT NULL DEFAULT 0,
  confidence   REAL,
  stateful     INTEGER NOT NULL DEFAULT 0,
  importance   INTEGER,
  entities     TEXT NOT NULL DEFAULT '[]',
  sentiment    REAL,
  temporal     TEXT,
  tier         TEXT NOT NULL DEFAULT 'working',
  created_unix REAL NOT NULL,
  created_at   TEXT NOT NULL,
  updated_at   TEXT NOT NULL
);
CREATE INDEX memories_agent ON memories(agent_id, created_unix);
CREATE VIRTUAL TABLE memories_search USING fts5(text, tokenize = 'trigram');
-- The words the builtin model retrieves memories by (BM25), as datastore chunks are.
CREATE VIRTUAL TABLE memories_words USING fts5(text, tokenize = 'unicode61 remove_diacritics 2');
CREATE TRIGGER memories_index_insert AFTER INSERT ON memories BEGIN
  INSERT INTO memories_search(rowid, text) VALUES (new.rowid, new.content || ' ' || coalesce(new.category, '') || ' ' || new.tags);
  INSERT INTO memories_words(rowid, text) VALUES (new.rowid, new.content || ' ' || new.tags || ' ' || new.entities);
END;
CREATE TRIGGER memories_index_update AFTER UPDATE ON memories BEGIN
  UPDATE memories_search SET text = new.content || ' ' || coalesce(new.category, '') || ' ' || new.tags WHERE rowid = new.rowid;
  UPDATE memories_words SET text = new.content || ' ' || new.tags || ' ' || new.entities WHERE rowid = new.rowid;
END;
CREATE TRIGGER memories_index_delete AFTER DELETE ON memories BEGIN
  DELETE FROM memories_search WHERE rowid = old.rowid;
  DELETE FROM memories_words WHERE rowid = old.rowid;
END;

-- A room is a chat session of an agent, shared by the team.
CREATE TABLE rooms (
  id           TEXT PRIMARY KEY,
  org_id       INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  agent_id     TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
  session_id   INTEGER NOT NULL REFERENCES chat_sessions(id) ON DELETE CASCADE,
  name         TEXT NOT NULL,
  created_unix REAL NOT NULL,
  created_at   TEXT NOT NULL,
  updated_at   TEXT NOT NULL
);
CREATE INDEX rooms_org ON rooms(org_id, created_unix);
CREATE INDEX rooms_agent ON rooms(agent_id, created_unix);

-- A reminder fires once, by a job due at scheduled_unix.
CREATE TABLE reminders (
  id             TEXT PRIMARY KEY,
  org_id         INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  agent_id       TEXT NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
  text           TEXT NOT NULL,
  scheduled_at   TEXT NOT NULL,
  dispatched_at  TEXT,
  dispatched_unix REAL,                -- the same instant to the microsecond (bench/README.md)
  room_id        TEXT,
  created_unix   REAL NOT NULL,
  created_at     TEXT NOT NULL,
  updated_at     TEXT NOT NULL
);
CREATE INDEX reminders_org ON reminders(org_id, created_unix);
