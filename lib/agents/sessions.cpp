#include "agents/sessions.hpp"

#include "core/clock.hpp"
#include "core/ids.hpp"
#include "db/store.hpp"

#include <boost/json.hpp>

namespace agentd::agents {
namespace json = boost::json;
namespace {

const char* kSelectSession =
    "SELECT id, public_id, COALESCE(agent_id, ''), title, created_at, updated_unix, message_count, is_active, summary, "
    "summary_through FROM chat_sessions ";

Session read_session(SQLite::Statement& q) {
  Session s;
  s.id = q.getColumn(0).getInt64();
  s.public_id = q.getColumn(1).getString();
  s.agent_id = q.getColumn(2).getString();
  s.title = q.getColumn(3).getString();
  s.created_at = q.getColumn(4).getString();
  s.last_update_time = iso8601_unix(q.getColumn(5).getDouble());
  s.message_count = q.getColumn(6).getInt64();
  s.is_active = q.getColumn(7).getInt() != 0;
  s.summary = q.getColumn(8).getString();
  s.summary_through = q.getColumn(9).getInt64();
  return s;
}

std::optional<json::object> parse_object(const SQLite::Column& c) {
  if (c.isNull()) return std::nullopt;
  json::error_code ec;
  auto v = json::parse(c.getString(), ec);
  if (ec || !v.is_object()) return std::nullopt;
  return std::move(v.as_object());
}

json::object extra_of(const models::ChatMessage& m) {
  json::object o;
  if (!m.name.empty()) o["name"] = m.name;
  if (!m.tool_call_id.empty()) o["tool_call_id"] = m.tool_call_id;
  if (!m.tool_calls.empty()) {
    json::array calls;
    for (const auto& c : m.tool_calls) calls.push_back({{"id", c.id}, {"name", c.name}, {"arguments", c.arguments}});
    o["tool_calls"] = std::move(calls);
  }
  return o;
}

void apply_extra(models::ChatMessage& m, const json::object& o) {
  if (auto* v = o.if_contains("name"); v && v->is_string()) m.name = v->as_string();
  if (auto* v = o.if_contains("tool_call_id"); v && v->is_string()) m.tool_call_id = v->as_string();
  if (auto* v = o.if_contains("tool_calls"); v && v->is_array())
    for (const auto& c : v->as_array())
      if (c.is_object())
        m.tool_calls.push_back({json::value_to<std::string>(c.at("id")), json::value_to<std::string>(c.at("name")),
                                json::value_to<std::string>(c.at("arguments"))});
}

const char* kSelectMessage =
    "SELECT public_id, role, content, COALESCE(agent_id, ''), created_at, usage, citations, extra FROM chat_messages ";

StoredMessage read_message(SQLite::Statement& q) {
  StoredMessage m;
  m.message_id = q.getColumn(0).getString();
  m.message.role = q.getColumn(1).getString();
  m.message.content = q.getColumn(2).getString();
  m.agent_id = q.getColumn(3).getString();
  m.created_at = q.getColumn(4).getString();
  m.usage = parse_object(q.getColumn(5));
  json::error_code ec;
  auto cites = json::parse(q.getColumn(6).getString(), ec);
  if (!ec && cites.is_array()) m.citations = std::move(cites.as_array());
  if (auto extra = parse_object(q.getColumn(7))) apply_extra(m.message, *extra);
  return m;
}

std::string title_of(const std::string& text) {
  std::string t;
  for (char c : text) {
    if (t.size() >= 60 && (static_cast<unsigned char>(c) & 0xC0) != 0x80) break;
    t.push_back(c == '\n' || c == '\r' || c == '\t' ? ' ' : c);
  }
  return t;
}

}  // namespace

std::optional<Session> find_session(db::Conn& conn, const SessionOwner& owner, const std::string& public_id) {
  auto& q = conn.prepare(std::string(kSelectSession) + "WHERE org_id = ? AND user_id = ? AND public_id = ?");
  q.bind(1, owner.org_id);
  q.bind(2, owner.user_id);
  q.bind(3, public_id);
  if (!q.executeStep()) return std::nullopt;
  return read_session(q);
}

Session open_session(db::Conn& conn, const SessionOwner& owner, const std::string& public_id, double now) {
  if (auto s = find_session(conn, owner, public_id)) return *s;
  auto& ins = conn.prepare(
      "INSERT INTO chat_sessions (public_id, org_id, user_id, created_at, updated_unix) VALUES (?, ?, ?, ?, ?)");
  ins.bind(1, public_id);
  ins.bind(2, owner.org_id);
  ins.bind(3, owner.user_id);
  ins.bind(4, iso8601_unix(now));
  ins.bind(5, now);
  ins.exec();
  Session s;
  s.id = conn.last_insert_rowid();
  s.public_id = public_id;
  s.created_at = s.last_update_time = iso8601_unix(now);
  return s;
}

namespace {

// What the model sees only: no usage or citations to parse on every turn.
const char* kSelectRowMessage = "SELECT id, role, content, extra FROM chat_messages WHERE session_id = ? ";

std::vector<RowMessage> read_row_messages(SQLite::Statement& q) {
  std::vector<RowMessage> out;
  while (q.executeStep()) {
    RowMessage& m = out.emplace_back();
    m.row_id = q.getColumn(0).getInt64();
    m.message.role = q.getColumn(1).getString();
    m.message.content = q.getColumn(2).getString();
    if (auto extra = parse_object(q.getColumn(3))) apply_extra(m.message, *extra);
  }
  return out;
}

}  // namespace

std::vector<RowMessage> session_head(db::Conn& conn, const Session& session, std::int64_t limit) {
  auto& q = conn.prepare(std::string(kSelectRowMessage) + "ORDER BY id LIMIT ?");
  q.bind(1, session.id);
  q.bind(2, limit);
  return read_row_messages(q);
}

std::vector<RowMessage> session_tail(db::Conn& conn, const Session& session) {
  auto& q = conn.prepare(std::string(kSelectRowMessage) + "AND id > ? ORDER BY id");
  q.bind(1, session.id);
  q.bind(2, session.summary_through);
  return read_row_messages(q);
}

void store_summary(db::Conn& conn, const Session& session, const std::string& summary, std::int64_t through) {
  auto& upd = conn.prepare("UPDATE chat_sessions SET summary = ?, summary_through = ? WHERE id = ? AND summary_through < ?");
  upd.bind(1, summary);
  upd.bind(2, through);
  upd.bind(3, session.id);
  upd.bind(4, through);
  upd.exec();
}

Appended append_turns(db::Conn& conn, Session& session, const std::vector<NewTurn>& turns, double now) {
  const std::string created = iso8601_unix(now);
  Appended out;
  std::string& last_id = out.last_public_id;
  for (const auto& t : turns) {
    last_id = uuid_v4();
    auto& ins = conn.prepare(
        "INSERT INTO chat_messages (public_id, session_id, role, content, agent_id, created_at, usage, citations, extra) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    ins.bind(1, last_id);
    ins.bind(2, session.id);
    ins.bind(3, t.message.role);
    ins.bind(4, t.message.content);
    if (t.agent_id.empty()) ins.bind(5);
    else ins.bind(5, t.agent_id);
    ins.bind(6, created);
    if (t.usage) ins.bind(7, json::serialize(*t.usage));
    else ins.bind(7);
    ins.bind(8, json::serialize(t.citations));
    const json::object extra = extra_of(t.message);
    if (extra.empty()) ins.bind(9);
    else ins.bind(9, json::serialize(extra));
    ins.exec();
    out.row_ids.push_back(conn.last_insert_rowid());
    if (session.title.empty() && t.message.role == "user" && !t.message.content.empty())
      session.title = title_of(t.message.content);
    if (!t.agent_id.empty()) session.agent_id = t.agent_id;
  }
  session.message_count += static_cast<std::int64_t>(turns.size());
  session.last_update_time = created;
  auto& upd = conn.prepare(
      "UPDATE chat_sessions SET agent_id = ?, title = ?, message_count = ?, updated_unix = ? WHERE id = ?");
  if (session.agent_id.empty()) upd.bind(1);
  else upd.bind(1, session.agent_id);
  upd.bind(2, session.title);
  upd.bind(3, session.message_count);
  upd.bind(4, now);
  upd.bind(5, session.id);
  upd.exec();
  return out;
}

SessionPage list_sessions(db::Conn& conn, const SessionOwner& owner, int page, int page_size) {
  SessionPage out;
  auto& count = conn.prepare("SELECT COUNT(*) FROM chat_sessions WHERE org_id = ? AND user_id = ?");
  count.bind(1, owner.org_id);
  count.bind(2, owner.user_id);
  if (count.executeStep()) out.total = count.getColumn(0).getInt64();
  auto& q = conn.prepare(std::string(kSelectSession) +
                         "WHERE org_id = ? AND user_id = ? ORDER BY updated_unix DESC, id DESC LIMIT ? OFFSET ?");
  q.bind(1, owner.org_id);
  q.bind(2, owner.user_id);
  q.bind(3, page_size);
  q.bind(4, static_cast<std::int64_t>(page - 1) * page_size);
  while (q.executeStep()) out.sessions.push_back(read_session(q));
  return out;
}

MessagePage list_messages(db::Conn& conn, const Session& session, int page, int page_size) {
  MessagePage out;
  out.total = session.message_count;
  auto& q = conn.prepare(std::string(kSelectMessage) + "WHERE session_id = ? ORDER BY id LIMIT ? OFFSET ?");
  q.bind(1, session.id);
  q.bind(2, page_size);
  q.bind(3, static_cast<std::int64_t>(page - 1) * page_size);
  while (q.executeStep()) out.messages.push_back(read_message(q));
  return out;
}

}  // namespace agentd::agents
