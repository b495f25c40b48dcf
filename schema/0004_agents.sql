-- One agent record for every dialect: the External API's fields as columns, the Workspace and
-- Agents APIs' own structured fields (bio, personality, plugins, settings...) in `profile`.
CREATE TABLE agents (
  id                TEXT PRIMARY KEY,             -- agent_ + 12 hex
  uuid              TEXT NOT NULL UNIQUE,
  org_id            INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  slug              TEXT NOT NULL,
  name              TEXT NOT NULL,
  description       TEXT NOT NULL DEFAULT '',
  agent_type        TEXT NOT NULL CHECK (agent_type IN ('LLM_AGENT', 'SEQUENTIAL_AGENT', 'PARALLEL_AGENT', 'LOOP_AGENT')),
  instruction       TEXT NOT NULL DEFAULT '',
  model             TEXT NOT NULL DEFAULT 'builtin',
  temperature       REAL,
  max_output_tokens INTEGER,
  max_llm_calls     INTEGER NOT NULL DEFAULT 5,
  tools             TEXT NOT NULL DEFAULT '[]',   -- JSON array of tool names
  datastore_ids     TEXT NOT NULL DEFAULT '[]',   -- JSON array of datastore public ids
  sub_agents        TEXT NOT NULL DEFAULT '[]',   -- JSON array of agent ids, in order
  max_iterations    INTEGER NOT NULL DEFAULT 3,
  is_active         INTEGER NOT NULL DEFAULT 1,
  protected         INTEGER NOT NULL DEFAULT 0,
  profile           TEXT NOT NULL DEFAULT '{}',   -- JSON object: the other dialects' fields
  created_at        TEXT NOT NULL,
  updated_at        TEXT NOT NULL,
  UNIQUE (org_id, slug)
);
CREATE INDEX agents_org ON agents(org_id, created_at);
