// The generated corpus the indexing benchmarks share (index_bench in-process, indexing_reads_bench
// against the binary): TXT, Markdown, HTML, JSON, JSONL, PDF, DOCX and PPTX files whose words are
// drawn from a 20,000-word Zipf vocabulary of made-up words; one document in ten Korean, Japanese
// or Chinese.
#pragma once

#include "knowledge/extract/extract.hpp"

#include <cstddef>
#include <random>
#include <string>
#include <vector>

namespace agentd::bench {

// A vocabulary of 20,000 made-up words, drawn with a Zipf distribution as natural text is: a few
// words are everywhere, most are rare.
struct Vocabulary {
  std::vector<std::string> words;
  std::discrete_distribution<int> zipf;
  Vocabulary();
  const std::string& draw(std::mt19937& rng) { return words[zipf(rng)]; }
};
Vocabulary& vocabulary();

struct File {
  std::string name;
  knowledge::FileType type;
  std::string bytes;
};
// Files of at least `min_bytes` in all, the same for the same size.
std::vector<File> corpus(std::size_t min_bytes);

}  // namespace agentd::bench
