-- The word index stems English words (FTS5's porter stemmer over unicode61), so that near forms
-- meet: corrupted/corruption, XOR/XORs, threads/thread. Measured on the retrieval benchmark
-- (bench/README.md, "Retrieval quality"): recall@1 0.73 -> 0.82, recall@5 0.90 -> 0.94, MRR
-- 0.79 -> 0.87; a stemmed index beside the exact one, fused, gave less (0.73, 0.92, 0.81).
-- The triggers of 0003 keep feeding it by name; existing chunks are indexed again here.
DROP TABLE chunks_words_vocab;
DROP TABLE chunks_words;
CREATE VIRTUAL TABLE chunks_words USING fts5(
  text, content='chunks', content_rowid='id', tokenize='porter unicode61 remove_diacritics 2');
CREATE VIRTUAL TABLE chunks_words_vocab USING fts5vocab(chunks_words, 'row');
INSERT INTO chunks_words(chunks_words) VALUES ('rebuild');
