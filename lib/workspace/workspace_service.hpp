// The Workspace API's objects, whatever asks for them (API.md 5): contacts and their
// activities, items, goals, memories, reminders, rooms, tokens and agents' auth keys. Every
// call is scoped to one organization (the request's team): another team's id is not found,
// exactly as an unknown one. Values arrive as request bodies and are checked against each
// kind's declaration (db::check), every violation at once.
#pragma once

#include "access/keys.hpp"
#include "access/tokens.hpp"
#include "agents/chat_turn.hpp"
#include "agents/rooms.hpp"
#include "core/clock.hpp"
#include "db/database.hpp"
#include "db/records.hpp"
#include "workspace/contacts.hpp"

#include <boost/asio/awaitable.hpp>

namespace agentd::workspace {

namespace net = boost::asio;
using boost::json::object;

struct Listing {
  std::int64_t offset = 0, limit = 15;
  std::string search{};  // filter[search]: a substring of the searchable text
};
struct ItemFilter {
  std::string status{}, priority{};
  bool due_today = false;  // dueDate within today (UTC)
};
struct MemoryFilter {
  std::string category{}, tier{};
};

struct RoomMessages {
  agents::Room room;
  std::vector<agents::StoredMessage> messages;
};

class WorkspaceService {
 public:
  WorkspaceService(db::Database& db, const Clock& clock, agents::ChatTurns& chat) : db_(db), clock_(clock), chat_(chat) {}

  // Contacts. `body` is the request's JSON object; tagsAppend is read from it.
  net::awaitable<db::Record> create_contact(std::int64_t org, object body);
  net::awaitable<db::Page> contacts(std::int64_t org, Listing listing);
  net::awaitable<db::Record> update_contact(std::int64_t org, std::string id, object body);
  net::awaitable<FoundOrCreated> find_or_create_contact(std::int64_t org, object body);
  net::awaitable<db::Record> set_contact_property(std::int64_t org, std::string id, object body);
  net::awaitable<db::Record> add_activity(std::int64_t org, std::string contact_id, object body);
  net::awaitable<db::Page> activities(std::int64_t org, std::string contact_id, Listing listing);
  net::awaitable<void> remove_activity(std::int64_t org, std::string contact_id, std::string activity_id);
  net::awaitable<Timeline> timeline(std::int64_t org, std::string contact_id, Listing listing);

  // Items: goalId and contactIds must be the team's own.
  net::awaitable<db::Record> create_item(std::int64_t org, object body);
  net::awaitable<db::Page> items(std::int64_t org, Listing listing, ItemFilter filter);
  net::awaitable<db::Record> update_item(std::int64_t org, std::string id, object body);

  // Any declared kind by id (contacts and items too); goals, memories and reminders belong to
  // an agent (by id, uuid or slug).
  net::awaitable<db::Record> create_owned(const db::Kind& kind, std::int64_t org, std::string agent_ref, object body);
  net::awaitable<db::Page> owned(const db::Kind& kind, std::int64_t org, std::string agent_ref, Listing listing,
                                 MemoryFilter filter = {});
  net::awaitable<db::Record> get(const db::Kind& kind, std::int64_t org, std::string id);
  net::awaitable<db::Record> update(const db::Kind& kind, std::int64_t org, std::string id, object body);
  net::awaitable<void> remove(const db::Kind& kind, std::int64_t org, std::string id);

  // Rooms: a room's messages are its session's; posting runs a chat turn in it.
  net::awaitable<agents::Room> create_room(agents::SessionOwner owner, object body);
  net::awaitable<agents::RoomPage> rooms(std::int64_t org, Listing listing);
  net::awaitable<RoomMessages> room_messages(std::int64_t org, std::string id, std::int64_t limit);
  // The agent's reply, stored; `charge` settles the turn's price in its transaction.
  struct Reply {
    agents::StoredMessage message;
    Micros cost = 0;
  };
  net::awaitable<Reply> post_message(std::int64_t org, std::string room_id, object body, agents::Charge charge,
                                     int request_tokens);

  // Tokens of the caller's user; scopes default to the caller's and never exceed them.
  net::awaitable<access::CreatedToken> create_token(const access::KeyRecord& caller, object body);
  net::awaitable<std::vector<access::Token>> tokens(std::int64_t user_id);
  net::awaitable<void> revoke_token(std::int64_t user_id, std::string id);
  // A new auth key for the agent (the previous one stops working).
  struct AgentKey {
    std::string agent_uuid, secret, created_at;
  };
  net::awaitable<AgentKey> rotate_agent_key(std::int64_t org, std::string agent_ref);

 private:
  db::Database& db_;
  const Clock& clock_;
  agents::ChatTurns& chat_;
};

// 404 for a Workspace object that is not the team's.
AppError workspace_not_found();

}  // namespace agentd::workspace
