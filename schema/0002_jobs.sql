-- The persistent job queue: document indexing now, content generation and reminders next.
CREATE TABLE jobs (
  id           INTEGER PRIMARY KEY,
  kind         TEXT NOT NULL,
  org_id       INTEGER REFERENCES organizations(id) ON DELETE CASCADE,
  payload      TEXT NOT NULL DEFAULT '{}',        -- JSON object
  state        TEXT NOT NULL CHECK (state IN ('pending', 'running', 'succeeded', 'failed')),
  attempts     INTEGER NOT NULL DEFAULT 0,        -- incremented when a worker claims it
  max_attempts INTEGER NOT NULL,
  run_after    REAL NOT NULL,                     -- Unix seconds
  lease_until  REAL,                              -- Unix seconds, while running
  last_error   TEXT,
  created_at   TEXT NOT NULL,
  updated_at   TEXT NOT NULL
);
CREATE INDEX jobs_due ON jobs(state, kind, run_after);
