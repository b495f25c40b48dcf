// Rooms (API.md 5): a named conversation of a team with one agent. A room is a chat session
// (its public id is the room's id, its owner the user who opened it), so the chat-turn service
// answers in it with the room's history as context. Functions run inside a Store transaction.
#pragma once

#include "agents/registry.hpp"
#include "agents/sessions.hpp"

#include <optional>
#include <string>
#include <vector>

namespace agentd::agents {

struct Room {
  std::string id, name, agent_id, agent_uuid, created_at, updated_at;
  SessionOwner owner;  // of its session
};

Room create_room(db::Conn& conn, const SessionOwner& owner, const Agent& agent, const std::string& name, double now);
std::optional<Room> find_room(db::Conn& conn, std::int64_t org_id, const std::string& id);
// The agent's room with the newest activity.
std::optional<Room> latest_room(db::Conn& conn, std::int64_t org_id, const std::string& agent_id);

struct RoomPage {
  std::vector<Room> rooms;
  std::int64_t total = 0;
};
// Newest activity first.
RoomPage list_rooms(db::Conn& conn, std::int64_t org_id, std::int64_t offset, std::int64_t limit);

// The room's newest `limit` user and assistant messages, oldest first.
std::vector<StoredMessage> room_messages(db::Conn& conn, const Room& room, std::int64_t limit);
// Posts `text` into the room as the agent's message; returns its id.
std::string post_to_room(db::Conn& conn, const Room& room, const std::string& text, double now);

}  // namespace agentd::agents
