-- Organizations, users, keys, credits and idempotency: the foundation every dialect shares.

CREATE TABLE organizations (
  id             INTEGER PRIMARY KEY,
  slug           TEXT NOT NULL UNIQUE,
  name           TEXT NOT NULL,
  plan           TEXT NOT NULL CHECK (plan IN ('free', 'basic', 'pro', 'enterprise')),
  balance_micros INTEGER NOT NULL DEFAULT 0 CHECK (balance_micros >= 0),
  -- Sum of open reservations; the spendable amount is balance_micros - reserved_micros.
  reserved_micros INTEGER NOT NULL DEFAULT 0 CHECK (reserved_micros >= 0),
  created_at     TEXT NOT NULL
);

CREATE TABLE users (
  id         INTEGER PRIMARY KEY,
  name       TEXT NOT NULL,
  email      TEXT,
  created_at TEXT NOT NULL
);

CREATE TABLE memberships (
  org_id  INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  role    TEXT NOT NULL DEFAULT 'owner',
  PRIMARY KEY (org_id, user_id)
);

CREATE TABLE api_keys (
  id           TEXT PRIMARY KEY,                -- key_ + 16 hex, shown by `admin key list`
  user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  -- NULL for Workspace API tokens, which pick the organization per request (team header).
  org_id       INTEGER REFERENCES organizations(id) ON DELETE CASCADE,
  name         TEXT NOT NULL,
  prefix       TEXT NOT NULL,                   -- first characters of the key, for people
  hash         BLOB NOT NULL UNIQUE,            -- SHA-256 of the whole key
  scopes       TEXT NOT NULL,                   -- space separated
  rpm          INTEGER,
  rph          INTEGER,
  concurrency  INTEGER,
  expires_at   REAL,                            -- Unix seconds
  revoked_at   TEXT,
  last_used_at TEXT,
  created_at   TEXT NOT NULL
);
CREATE INDEX api_keys_org ON api_keys(org_id);

CREATE TABLE credit_reservations (
  id             TEXT PRIMARY KEY,
  org_id         INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  key_id         TEXT,
  amount_micros  INTEGER NOT NULL CHECK (amount_micros >= 0),
  reference      TEXT NOT NULL,
  created_at     TEXT NOT NULL
);

CREATE TABLE credit_ledger (
  id                   INTEGER PRIMARY KEY,
  org_id               INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  key_id               TEXT,
  kind                 TEXT NOT NULL,           -- grant | charge
  amount_micros        INTEGER NOT NULL,        -- signed: grants positive, charges negative
  balance_after_micros INTEGER NOT NULL,
  reference_id         TEXT,
  description          TEXT NOT NULL,
  created_at           TEXT NOT NULL
);
CREATE INDEX credit_ledger_org ON credit_ledger(org_id, id);

CREATE TABLE idempotency_keys (
  org_id       INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  idem_key     TEXT NOT NULL,
  route        TEXT NOT NULL,
  body_hash    BLOB NOT NULL,
  state        TEXT NOT NULL CHECK (state IN ('running', 'done')),
  status       INTEGER,
  content_type TEXT,
  body         BLOB,
  created_at   REAL NOT NULL,                   -- Unix seconds
  PRIMARY KEY (org_id, idem_key, route)
);

CREATE TABLE settings (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
