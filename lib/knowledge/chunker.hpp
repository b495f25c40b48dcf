// Structure-aware chunking: sections under the same page, slide and heading are packed into
// chunks of about `target` characters; a longer section is split at a paragraph, sentence or
// word boundary with `overlap` characters repeated, never inside a UTF-8 sequence. Every chunk
// keeps where it came from.
#pragma once

#include "knowledge/extract/extract.hpp"

#include <string>
#include <vector>

namespace agentd::knowledge {

struct Chunk {
  std::string text;
  std::optional<int> page, slide, line;
  std::string heading;
};

std::vector<Chunk> chunk_sections(const std::vector<Section>& sections, std::size_t target = 800,
                                  std::size_t overlap = 120);

}  // namespace agentd::knowledge
