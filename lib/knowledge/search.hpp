// Search over a datastore's chunks (FTS5 word and trigram indexes).
#pragma once

#include "knowledge/datastores.hpp"

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace agentd::db { class Conn; }

namespace agentd::knowledge {

struct SearchHit {
  std::int64_t chunk_id = 0;
  std::string upload_id, filename, text, heading;
  std::optional<int> page, slide, line;
  double score = 0;  // relevance, in [0, 1)
};
// Relevance (knowledge/relevance.hpp) over the word index; for CJK terms also over the trigram
// index, which finds them inside longer runs of text; when too little is found, ASCII terms as
// prefixes and short CJK words by a bounded scan. Best first; `score` is the relevance.
std::vector<SearchHit> search(db::Conn& conn, const Datastore& ds, const std::string& query, int top_k,
                              const std::vector<std::string>& filenames);

// An FTS5 query joining `terms` with `op` (OR, AND), each quoted (terms hold letters and digits
// only) and a prefix where `as_prefix` says so.
std::string fts_join(const std::vector<std::string>& terms, std::string_view op,
                     const std::function<bool(const std::string&)>& as_prefix);
// An FTS5 query matching any of `terms`.
std::string fts_or(const std::vector<std::string>& terms);

}  // namespace agentd::knowledge
