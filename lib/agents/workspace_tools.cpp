#include "agents/workspace_tools.hpp"

#include "agents/reminders.hpp"
#include "knowledge/memories.hpp"
#include "models/tokens.hpp"

#include <boost/json.hpp>

namespace agentd::agents {
namespace json = boost::json;
namespace {

constexpr int kRecallTopK = 5;

std::string tool_message(std::string text) { return json::serialize(json::object{{"message", std::move(text)}}); }

}  // namespace

std::string string_argument(const std::string& arguments, std::string_view name) {
  json::error_code ec;
  const json::value args = json::parse(arguments, ec);
  if (!ec && args.is_object())
    if (const auto* v = args.as_object().if_contains(name); v && v->is_string()) return std::string(v->as_string());
  return {};
}

boost::asio::awaitable<std::string> run_remember(db::Database& db, const Clock& clock, std::int64_t org_id,
                                                 std::string agent_id, std::string arguments) {
  std::string content = string_argument(arguments, "content");
  while (!content.empty() && (content.back() == '.' || content.back() == ' ')) content.pop_back();
  if (content.size() < 3) co_return R"({"error":"content must be at least 3 characters"})";
  auto storing = db.write([org_id, agent_id, content, now = clock.unix_seconds()](db::Conn& c) {
    return knowledge::remember(c, org_id, agent_id, content, now);
  });
  co_await std::move(storing);
  co_return tool_message("I will remember that: " + content + ".");
}

boost::asio::awaitable<std::string> run_create_reminder(db::Database& db, const Clock& clock, std::int64_t org_id,
                                                        std::string agent_id, std::string arguments) {
  const std::string text = string_argument(arguments, "text");
  const double now = clock.unix_seconds();
  const auto at = reminder_time(string_argument(arguments, "scheduledAt"), now);
  if (text.size() < 3 || !at) co_return R"({"error":"text (3+ characters) and scheduledAt (a time) are required"})";
  const std::string when = iso8601_unix(*at);
  auto storing = db.write([org_id, agent_id, text, when, now](db::Conn& c) {
    return db::insert(c, reminder_kind(), org_id, agent_id, {{"text", text}, {"scheduledAt", when}}, now);
  });
  co_await std::move(storing);
  co_return tool_message("I will remind you to " + text + " at " + when + ".");
}

boost::asio::awaitable<std::optional<models::ChatMessage>> memory_note(db::Database& db, std::int64_t org_id,
                                                                       std::string agent_id, std::string question,
                                                                       int space) {
  auto reading = db.read([org_id, agent_id, question](db::Conn& c) {
    return knowledge::recall(c, org_id, agent_id, question, kRecallTopK);
  });
  const auto recalled = co_await std::move(reading);
  std::string note = "What you remember:";
  int used = models::count_tokens(note);
  bool any = false;
  for (const auto& m : recalled) {
    const int tokens = models::count_tokens(m.content) + 1;
    if (used + tokens > space) break;
    note += "\n" + m.content;
    used += tokens;
    any = true;
  }
  if (!any) co_return std::nullopt;
  co_return models::ChatMessage{"system", std::move(note), {}, {}, {}};
}

}  // namespace agentd::agents
