-- Chunks enter the two FTS5 indexes in one INSERT ... SELECT per file (knowledge/uploads.cpp),
-- not by a trigger per row: a statement whose trigger writes a virtual table opens a savepoint,
-- and FTS5 flushes its pending terms into a new segment at every savepoint, so each chunk became
-- a segment to merge. Measured (16 MB, 50 chunks a file): 2.26 s -> 1.23 s.
-- Deletes (also those cascading from uploads and datastores) stay with the trigger. The test
-- for "holds non-ASCII text" is now a byte count against a character count, the same on both
-- sides (a 'delete' must carry exactly what was indexed) and cheaper than the GLOB.
DROP TRIGGER chunks_ai;
DROP TRIGGER chunks_ad;
DROP TRIGGER chunks_au;
CREATE TRIGGER chunks_ad AFTER DELETE ON chunks BEGIN
  INSERT INTO chunks_words(chunks_words, rowid, text) VALUES ('delete', old.id, old.text);
  INSERT INTO chunks_trigram(chunks_trigram, rowid, text) SELECT 'delete', old.id, old.text
    WHERE length(CAST(old.text AS BLOB)) != length(old.text);
END;
CREATE TRIGGER chunks_au AFTER UPDATE OF text ON chunks BEGIN
  INSERT INTO chunks_words(chunks_words, rowid, text) VALUES ('delete', old.id, old.text);
  INSERT INTO chunks_trigram(chunks_trigram, rowid, text) SELECT 'delete', old.id, old.text
    WHERE length(CAST(old.text AS BLOB)) != length(old.text);
  INSERT INTO chunks_words(rowid, text) VALUES (new.id, new.text);
  INSERT INTO chunks_trigram(rowid, text) SELECT new.id, new.text WHERE length(CAST(new.text AS BLOB)) != length(new.text);
END;
-- An upload's `seq` is MAX(seq) + 1 over all uploads: without an index of its own that was a scan
-- of every upload per upload recorded.
CREATE INDEX uploads_seq ON uploads(seq);
