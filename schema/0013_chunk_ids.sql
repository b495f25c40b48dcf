-- Chunk ids are never used twice: readers keep each chunk's length and datastore in memory by id
-- (knowledge/relevance.cpp), loading only ids above the highest they have read, so an id that
-- came back after a delete (SQLite gives a new row MAX(rowid) + 1) would carry another chunk's
-- length and datastore. New chunks take their ids from this counter (knowledge/uploads.cpp).
CREATE TABLE chunk_ids (last INTEGER NOT NULL);
INSERT INTO chunk_ids SELECT COALESCE(MAX(id), 0) FROM chunks;
