#include "knowledge/memories.hpp"

#include "core/terms.hpp"
#include "db/row.hpp"
#include "db/store.hpp"
#include "knowledge/search.hpp"

#include <boost/json.hpp>

namespace agentd::knowledge {
namespace json = boost::json;
using db::FieldType;

const db::Kind& memory_kind() {
  static const db::Kind kind{
      .name = "memory",
      .table = "memories",
      .id_prefix = "mem_",
      .owner = "agent_id",
      .fields = {{.name = "content", .column = "content", .required = true, .min = 3, .max = 10000},
                 {.name = "category", .column = "category", .max = 100},
                 {.name = "tags", .column = "tags", .type = FieldType::strings, .max = 100, .fallback = json::array{}},
                 {.name = "teamVisible", .column = "team_visible", .type = FieldType::boolean, .fallback = false},
                 {.name = "confidence", .column = "confidence", .type = FieldType::number, .min = 0, .max = 1},
                 {.name = "stateful", .column = "stateful", .type = FieldType::boolean, .fallback = false},
                 {.name = "importance", .column = "importance", .type = FieldType::integer, .min = 0, .max = 10},
                 {.name = "entities", .column = "entities", .type = FieldType::strings, .max = 200, .fallback = json::array{}},
                 {.name = "sentiment", .column = "sentiment", .type = FieldType::number, .min = -1, .max = 1},
                 {.name = "temporal", .column = "temporal", .max = 255},
                 {.name = "tier", .column = "tier", .values = {"working", "longterm", "archived"}, .fallback = "working"}},
      .search_table = "memories_search"};
  return kind;
}

std::vector<Recalled> recall(db::Conn& conn, std::int64_t org_id, const std::string& agent_id, const std::string& query,
                             int limit) {
  // Any of the question's content words; BM25 ranks the memories holding more and rarer ones
  // first.
  const std::string match = fts_or(terms(query));
  std::vector<Recalled> out;
  if (match.empty()) return out;
  auto& q = conn.prepare(
      "SELECT m.id, m.content, bm25(memories_words) FROM memories_words JOIN memories m ON m.rowid = memories_words.rowid "
      "WHERE memories_words MATCH ? AND m.org_id = ? AND m.agent_id = ? AND m.tier != 'archived' "
      "ORDER BY bm25(memories_words) LIMIT ?");
  db::bind_all(q, match, org_id, agent_id, limit);
  while (q.executeStep()) out.push_back({q.getColumn(0).getString(), q.getColumn(1).getString(), -q.getColumn(2).getDouble()});
  return out;
}

db::Record remember(db::Conn& conn, std::int64_t org_id, const std::string& agent_id, const std::string& content,
                    double now) {
  const json::object values = db::check(memory_kind(), {{"content", content}}, false);
  return db::insert(conn, memory_kind(), org_id, agent_id, values, now);
}

}  // namespace agentd::knowledge
