-- Knowledge bases: datastores, uploaded files, their chunks and two FTS5 indexes over them
-- (unicode61 words with diacritics removed, and trigrams for CJK text and substrings).

CREATE TABLE datastores (
  id           INTEGER PRIMARY KEY,
  public_id    TEXT NOT NULL UNIQUE,              -- slug-of-name- + 8 hex
  org_id       INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  display_name TEXT NOT NULL,
  description  TEXT,
  created_at   TEXT NOT NULL,
  UNIQUE (org_id, display_name)
);

CREATE TABLE uploads (
  id            TEXT PRIMARY KEY,                 -- UUID
  org_id        INTEGER NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
  datastore_id  INTEGER NOT NULL REFERENCES datastores(id) ON DELETE CASCADE,
  filename      TEXT NOT NULL,
  file_type     TEXT NOT NULL,                    -- MIME type
  file_size     INTEGER NOT NULL,
  status        TEXT NOT NULL CHECK (status IN ('pending', 'processing', 'indexing', 'completed', 'failed')),
  error_message TEXT,
  storage_path  TEXT NOT NULL,                    -- under the data directory
  uploaded_at   TEXT NOT NULL,
  indexed_at    TEXT,
  seq           INTEGER NOT NULL,                 -- upload order, for "newest wins" by filename
  replaced_by   TEXT                              -- a newer upload of the same filename, once indexed
);
CREATE INDEX uploads_org ON uploads(org_id, seq);
CREATE INDEX uploads_datastore_file ON uploads(datastore_id, filename);

CREATE TABLE chunks (
  id           INTEGER PRIMARY KEY,
  upload_id    TEXT NOT NULL REFERENCES uploads(id) ON DELETE CASCADE,
  datastore_id INTEGER NOT NULL,
  filename     TEXT NOT NULL,
  seq          INTEGER NOT NULL,
  text         TEXT NOT NULL,
  page         INTEGER,
  slide        INTEGER,
  line         INTEGER,
  heading      TEXT
);
CREATE INDEX chunks_upload ON chunks(upload_id);
CREATE INDEX chunks_datastore ON chunks(datastore_id);

CREATE VIRTUAL TABLE chunks_words USING fts5(
  text, content='chunks', content_rowid='id', tokenize='unicode61 remove_diacritics 2');
CREATE VIRTUAL TABLE chunks_trigram USING fts5(
  text, content='chunks', content_rowid='id', tokenize='trigram');

-- Document frequency per word, for leaving out words that are in nearly every chunk.
CREATE VIRTUAL TABLE chunks_words_vocab USING fts5vocab(chunks_words, 'row');

-- The documented external-content triggers; a 'delete' row carries exactly the stored values.
-- The trigram index holds only chunks with non-ASCII text (CJK and other scripts without word
-- boundaries): for ASCII text the word index with prefix matches does the job, and trigrams
-- cost four times the rest of indexing. Insert and delete use the same condition, so that no
-- 'delete' is ever sent for a row the trigram index does not hold.
CREATE TRIGGER chunks_ai AFTER INSERT ON chunks BEGIN
  INSERT INTO chunks_words(rowid, text) VALUES (new.id, new.text);
  INSERT INTO chunks_trigram(rowid, text) SELECT new.id, new.text WHERE new.text GLOB '*[^' || char(1) || '-' || char(127) || ']*';
END;
CREATE TRIGGER chunks_ad AFTER DELETE ON chunks BEGIN
  INSERT INTO chunks_words(chunks_words, rowid, text) VALUES ('delete', old.id, old.text);
  INSERT INTO chunks_trigram(chunks_trigram, rowid, text) SELECT 'delete', old.id, old.text
    WHERE old.text GLOB '*[^' || char(1) || '-' || char(127) || ']*';
END;
CREATE TRIGGER chunks_au AFTER UPDATE ON chunks BEGIN
  INSERT INTO chunks_words(chunks_words, rowid, text) VALUES ('delete', old.id, old.text);
  INSERT INTO chunks_trigram(chunks_trigram, rowid, text) SELECT 'delete', old.id, old.text
    WHERE old.text GLOB '*[^' || char(1) || '-' || char(127) || ']*';
  INSERT INTO chunks_words(rowid, text) VALUES (new.id, new.text);
  INSERT INTO chunks_trigram(rowid, text) SELECT new.id, new.text WHERE new.text GLOB '*[^' || char(1) || '-' || char(127) || ']*';
END;
