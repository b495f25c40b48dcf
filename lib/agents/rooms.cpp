#include "agents/rooms.hpp"

#include "core/clock.hpp"
#include "core/ids.hpp"
#include "db/row.hpp"
#include "db/store.hpp"

namespace agentd::agents {
namespace {

const std::string kSelectRoom =
    "SELECT r.id, r.name, r.agent_id, a.uuid, r.created_at, s.org_id, s.user_id, s.updated_unix "
    "FROM rooms r JOIN agents a ON a.id = r.agent_id JOIN chat_sessions s ON s.id = r.session_id ";

Room read_room(SQLite::Statement& q) {
  Room r;
  r.id = q.getColumn(0).getString();
  r.name = q.getColumn(1).getString();
  r.agent_id = q.getColumn(2).getString();
  r.agent_uuid = q.getColumn(3).getString();
  r.created_at = q.getColumn(4).getString();
  r.owner = {q.getColumn(5).getInt64(), q.getColumn(6).getInt64()};
  r.updated_at = iso8601_unix(q.getColumn(7).getDouble());
  return r;
}

std::optional<Room> one_room(SQLite::Statement& q) {
  if (!q.executeStep()) return std::nullopt;
  return read_room(q);
}

}  // namespace

Room create_room(db::Conn& conn, const SessionOwner& owner, const Agent& agent, const std::string& name, double now) {
  const std::string id = "room_" + random_hex(16);
  const Session session = open_session(conn, owner, id, now);
  auto& ins = conn.prepare(
      "INSERT INTO rooms (id, org_id, agent_id, session_id, name, created_unix, created_at, updated_at) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  db::bind_all(ins, id, owner.org_id, agent.id, session.id, name, now, iso8601_unix(now), iso8601_unix(now));
  ins.exec();
  return *find_room(conn, owner.org_id, id);
}

std::optional<Room> find_room(db::Conn& conn, std::int64_t org_id, const std::string& id) {
  auto& q = conn.prepare(kSelectRoom + "WHERE r.id = ? AND r.org_id = ?");
  db::bind_all(q, id, org_id);
  return one_room(q);
}

std::optional<Room> latest_room(db::Conn& conn, std::int64_t org_id, const std::string& agent_id) {
  auto& q = conn.prepare(kSelectRoom + "WHERE r.agent_id = ? AND r.org_id = ? ORDER BY s.updated_unix DESC, r.rowid DESC LIMIT 1");
  db::bind_all(q, agent_id, org_id);
  return one_room(q);
}

RoomPage list_rooms(db::Conn& conn, std::int64_t org_id, std::int64_t offset, std::int64_t limit) {
  RoomPage page;
  auto& count = conn.prepare("SELECT count(*) FROM rooms WHERE org_id = ?");
  db::bind_all(count, org_id);
  count.executeStep();
  page.total = count.getColumn(0).getInt64();
  auto& q = conn.prepare(kSelectRoom + "WHERE r.org_id = ? ORDER BY s.updated_unix DESC, r.rowid DESC LIMIT ? OFFSET ?");
  db::bind_all(q, org_id, limit, offset);
  while (q.executeStep()) page.rooms.push_back(read_room(q));
  return page;
}

std::vector<StoredMessage> room_messages(db::Conn& conn, const Room& room, std::int64_t limit) {
  auto& q = conn.prepare(
      "SELECT public_id, role, content, created_at FROM (SELECT m.id, m.public_id, m.role, m.content, m.created_at "
      "FROM chat_messages m JOIN rooms r ON r.session_id = m.session_id "
      "WHERE r.id = ? AND m.role IN ('user', 'assistant') ORDER BY m.id DESC LIMIT ?) ORDER BY id");
  db::bind_all(q, room.id, limit);
  std::vector<StoredMessage> out;
  while (q.executeStep()) {
    StoredMessage& m = out.emplace_back();
    m.message_id = q.getColumn(0).getString();
    m.message.role = q.getColumn(1).getString();
    m.message.content = q.getColumn(2).getString();
    m.created_at = q.getColumn(3).getString();
  }
  return out;
}

std::string post_to_room(db::Conn& conn, const Room& room, const std::string& text, double now) {
  Session session = *find_session(conn, room.owner, room.id);
  NewTurn turn;
  turn.message.role = "assistant";
  turn.message.content = text;
  turn.agent_id = room.agent_id;
  return append_turns(conn, session, {turn}, now).last_public_id;
}

}  // namespace agentd::agents
