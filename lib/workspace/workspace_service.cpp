#include "workspace/workspace_service.hpp"

#include "agents/agent_service.hpp"
#include "core/clock.hpp"
#include "db/store.hpp"
#include "knowledge/memories.hpp"
#include "workspace/kinds.hpp"

#include <boost/json.hpp>

#include <cmath>

namespace agentd::workspace {
namespace json = boost::json;
namespace {

db::Record found(std::optional<db::Record> r) {
  if (!r) throw workspace_not_found();
  return std::move(*r);
}

agents::Agent agent_in(db::Conn& c, std::int64_t org, const std::string& ref) {
  auto a = agents::find_agent(c, org, ref);
  if (!a) throw workspace_not_found();
  return std::move(*a);
}

// tagsAppend: an array of strings beside the contact's fields.
std::vector<std::string> tags_append(const object& body) {
  std::vector<std::string> out;
  const json::value* v = body.if_contains("tagsAppend");
  if (!v || v->is_null()) return out;
  std::vector<Violation> bad;
  if (!v->is_array()) bad.push_back({"tagsAppend", "array", {}});
  else
    for (std::size_t i = 0; i < v->as_array().size(); ++i) {
      const auto& t = v->as_array()[i];
      if (t.is_string() && !t.as_string().empty() && t.as_string().size() <= 100) out.emplace_back(t.as_string());
      else bad.push_back({"tagsAppend." + std::to_string(i), "string", {}});
    }
  if (!bad.empty()) throw invalid_fields(std::move(bad));
  return out;
}

// An item's goal and contacts must be the team's own: 422 naming the field otherwise.
void check_item_links(db::Conn& c, std::int64_t org, const object& values) {
  std::vector<Violation> bad;
  if (const auto* goal = values.if_contains("goalId"); goal && goal->is_string()) {
    const std::string id(goal->as_string());
    if (db::existing(c, goal_kind(), org, {id}).empty()) bad.push_back({"goalId", "exists", {}});
  }
  if (const auto* ids = values.if_contains("contactIds"); ids && ids->is_array()) {
    std::vector<std::string> wanted;
    for (const auto& v : ids->as_array()) wanted.emplace_back(v.as_string());
    const auto have = db::existing(c, contact_kind(), org, wanted);
    for (std::size_t i = 0; i < wanted.size(); ++i)
      if (std::find(have.begin(), have.end(), wanted[i]) == have.end())
        bad.push_back({"contactIds." + std::to_string(i), "exists", {}});
  }
  if (!bad.empty()) throw invalid_fields(std::move(bad));
}

db::Query query_of(const Listing& l) {
  db::Query q;
  q.offset = l.offset;
  q.limit = l.limit;
  q.search = l.search;
  return q;
}

}  // namespace

AppError workspace_not_found() { return not_found("not_found", "Not found."); }

// Contacts

net::awaitable<db::Record> WorkspaceService::create_contact(std::int64_t org, object body) {
  const object values = db::check(contact_kind(), body, false);
  auto work = db_.write([org, values, more = tags_append(body), now = clock_.unix_seconds()](db::Conn& c) {
    return workspace::create_contact(c, org, values, more, now);
  });
  co_return co_await std::move(work);
}

net::awaitable<db::Page> WorkspaceService::contacts(std::int64_t org, Listing listing) {
  auto work = db_.read([org, q = query_of(listing)](db::Conn& c) { return db::list(c, contact_kind(), org, q); });
  co_return co_await std::move(work);
}

net::awaitable<db::Record> WorkspaceService::update_contact(std::int64_t org, std::string id, object body) {
  const object values = db::check(contact_kind(), body, true);
  auto work = db_.write([org, id, values, more = tags_append(body), now = clock_.unix_seconds()](db::Conn& c) {
    return found(workspace::update_contact(c, org, id, values, more, now));
  });
  co_return co_await std::move(work);
}

net::awaitable<FoundOrCreated> WorkspaceService::find_or_create_contact(std::int64_t org, object body) {
  const object values = db::check(contact_kind(), body, false);
  auto work = db_.write([org, values, now = clock_.unix_seconds()](db::Conn& c) {
    return workspace::find_or_create_contact(c, org, values, now);
  });
  co_return co_await std::move(work);
}

net::awaitable<db::Record> WorkspaceService::set_contact_property(std::int64_t org, std::string id, object body) {
  std::vector<Violation> bad;
  const json::value* key = body.if_contains("key");
  if (!key || key->is_null() || (key->is_string() && key->as_string().empty())) bad.push_back({"key", "required", {}});
  else if (!key->is_string()) bad.push_back({"key", "string", {}});
  else if (key->as_string().size() > 100) bad.push_back({"key", "max", {{"of", "string"}, {"max", 100}}});
  if (!body.contains("value")) bad.push_back({"value", "present", {}});
  if (!bad.empty()) throw invalid_fields(std::move(bad));
  auto work = db_.write([org, id, k = std::string(key->as_string()), v = body.at("value"), now = clock_.unix_seconds()](db::Conn& c) {
    return found(workspace::set_contact_property(c, org, id, k, v, now));
  });
  co_return co_await std::move(work);
}

net::awaitable<db::Record> WorkspaceService::add_activity(std::int64_t org, std::string contact_id, object body) {
  const object values = db::check(activity_kind(), body, false);
  auto work = db_.write([org, contact_id, values, now = clock_.unix_seconds()](db::Conn& c) {
    if (!db::find(c, contact_kind(), org, contact_id)) throw workspace_not_found();
    return db::insert(c, activity_kind(), org, contact_id, values, now);
  });
  co_return co_await std::move(work);
}

net::awaitable<db::Page> WorkspaceService::activities(std::int64_t org, std::string contact_id, Listing listing) {
  auto work = db_.read([org, contact_id, q = query_of(listing)](db::Conn& c) mutable {
    if (!db::find(c, contact_kind(), org, contact_id)) throw workspace_not_found();
    q.owner = contact_id;
    return db::list(c, activity_kind(), org, q);
  });
  co_return co_await std::move(work);
}

net::awaitable<void> WorkspaceService::remove_activity(std::int64_t org, std::string contact_id, std::string activity_id) {
  auto work = db_.write([org, contact_id, activity_id](db::Conn& c) {
    if (db::owner_of(c, activity_kind(), org, activity_id) != contact_id) throw workspace_not_found();
    db::remove(c, activity_kind(), org, activity_id);
  });
  co_await std::move(work);
}

net::awaitable<Timeline> WorkspaceService::timeline(std::int64_t org, std::string contact_id, Listing listing) {
  auto work = db_.read([org, contact_id, listing](db::Conn& c) {
    if (!db::find(c, contact_kind(), org, contact_id)) throw workspace_not_found();
    return contact_timeline(c, org, contact_id, listing.offset, listing.limit);
  });
  co_return co_await std::move(work);
}

// Items

net::awaitable<db::Record> WorkspaceService::create_item(std::int64_t org, object body) {
  const object values = db::check(item_kind(), body, false);
  auto work = db_.write([org, values, now = clock_.unix_seconds()](db::Conn& c) {
    check_item_links(c, org, values);
    return db::insert(c, item_kind(), org, "", values, now);
  });
  co_return co_await std::move(work);
}

net::awaitable<db::Page> WorkspaceService::items(std::int64_t org, Listing listing, ItemFilter filter) {
  db::Query q = query_of(listing);
  if (!filter.status.empty()) q.equal.emplace_back("status", filter.status);
  if (!filter.priority.empty()) q.equal.emplace_back("priority", filter.priority);
  if (filter.due_today) {
    const double midnight = std::floor(clock_.unix_seconds() / 86400) * 86400;
    q.where = "due_date >= ? AND due_date < ?";
    q.args = {iso8601_unix(midnight), iso8601_unix(midnight + 86400)};
  }
  auto work = db_.read([org, q](db::Conn& c) { return db::list(c, item_kind(), org, q); });
  co_return co_await std::move(work);
}

net::awaitable<db::Record> WorkspaceService::update_item(std::int64_t org, std::string id, object body) {
  const object values = db::check(item_kind(), body, true);
  auto work = db_.write([org, id, values, now = clock_.unix_seconds()](db::Conn& c) {
    if (!db::find(c, item_kind(), org, id)) throw workspace_not_found();
    check_item_links(c, org, values);
    return found(db::update(c, item_kind(), org, id, values, now));
  });
  co_return co_await std::move(work);
}

// Goals, memories, reminders

net::awaitable<db::Record> WorkspaceService::create_owned(const db::Kind& kind, std::int64_t org, std::string agent_ref,
                                                          object body) {
  const object values = db::check(kind, body, false);
  auto work = db_.write([&kind, org, agent_ref, values, now = clock_.unix_seconds()](db::Conn& c) {
    return db::insert(c, kind, org, agent_in(c, org, agent_ref).id, values, now);
  });
  co_return co_await std::move(work);
}

net::awaitable<db::Page> WorkspaceService::owned(const db::Kind& kind, std::int64_t org, std::string agent_ref,
                                                 Listing listing, MemoryFilter filter) {
  db::Query q = query_of(listing);
  if (!filter.category.empty()) q.equal.emplace_back("category", filter.category);
  if (!filter.tier.empty()) q.equal.emplace_back("tier", filter.tier);
  auto work = db_.read([&kind, org, agent_ref, q](db::Conn& c) mutable {
    if (!agent_ref.empty()) q.owner = agent_in(c, org, agent_ref).id;
    return db::list(c, kind, org, q);
  });
  co_return co_await std::move(work);
}

net::awaitable<db::Record> WorkspaceService::get(const db::Kind& kind, std::int64_t org, std::string id) {
  auto work = db_.read([&kind, org, id](db::Conn& c) { return found(db::find(c, kind, org, id)); });
  co_return co_await std::move(work);
}

net::awaitable<db::Record> WorkspaceService::update(const db::Kind& kind, std::int64_t org, std::string id, object body) {
  const object values = db::check(kind, body, true);
  auto work = db_.write([&kind, org, id, values, now = clock_.unix_seconds()](db::Conn& c) {
    return found(db::update(c, kind, org, id, values, now));
  });
  co_return co_await std::move(work);
}

net::awaitable<void> WorkspaceService::remove(const db::Kind& kind, std::int64_t org, std::string id) {
  auto work = db_.write([&kind, org, id](db::Conn& c) {
    if (!db::remove(c, kind, org, id)) throw workspace_not_found();
  });
  co_await std::move(work);
}

// Rooms

net::awaitable<agents::Room> WorkspaceService::create_room(agents::SessionOwner owner, object body) {
  std::vector<Violation> bad;
  auto text = [&](const char* name) -> std::string {
    const json::value* v = body.if_contains(name);
    if (!v || v->is_null() || (v->is_string() && v->as_string().empty())) bad.push_back({name, "required", {}});
    else if (!v->is_string()) bad.push_back({name, "string", {}});
    else if (v->as_string().size() > 255) bad.push_back({name, "max", {{"of", "string"}, {"max", 255}}});
    else return std::string(v->as_string());
    return {};
  };
  const std::string agent_ref = text("agentUuid"), name = text("name");
  if (!bad.empty()) throw invalid_fields(std::move(bad));
  auto work = db_.write([owner, agent_ref, name, now = clock_.unix_seconds()](db::Conn& c) {
    auto agent = agents::find_agent(c, owner.org_id, agent_ref);
    if (!agent) throw invalid_fields({{"agentUuid", "exists", {}}});
    return agents::create_room(c, owner, *agent, name, now);
  });
  co_return co_await std::move(work);
}

net::awaitable<agents::RoomPage> WorkspaceService::rooms(std::int64_t org, Listing listing) {
  auto work = db_.read([org, listing](db::Conn& c) { return agents::list_rooms(c, org, listing.offset, listing.limit); });
  co_return co_await std::move(work);
}

net::awaitable<RoomMessages> WorkspaceService::room_messages(std::int64_t org, std::string id, std::int64_t limit) {
  auto work = db_.read([org, id, limit](db::Conn& c) {
    auto room = agents::find_room(c, org, id);
    if (!room) throw workspace_not_found();
    return RoomMessages{*room, agents::room_messages(c, *room, limit)};
  });
  co_return co_await std::move(work);
}

net::awaitable<WorkspaceService::Reply> WorkspaceService::post_message(std::int64_t org, std::string room_id, object body,
                                                                       agents::Charge charge, int request_tokens) {
  const json::value* content = body.if_contains("content");
  if (!content || content->is_null() || (content->is_string() && content->as_string().find_first_not_of(" \t\r\n") == std::string::npos))
    throw invalid_fields({{"content", "required", {}}});
  if (!content->is_string()) throw invalid_fields({{"content", "string", {}}});
  if (content->as_string().size() > 100'000)
    throw invalid_fields({{"content", "max", {{"of", "string"}, {"max", 100000}}}});
  auto finding = db_.read([org, room_id](db::Conn& c) { return agents::find_room(c, org, room_id); });
  const auto room = co_await std::move(finding);
  if (!room) throw workspace_not_found();

  agents::TurnRequest tr;
  tr.owner = room->owner;
  tr.session_id = room->id;
  models::ChatMessage m;
  m.role = "user";
  m.content = std::string(content->as_string());
  tr.messages.push_back(std::move(m));
  tr.agent_ref = room->agent_id;
  tr.agent_must_exist = true;
  tr.request_tokens = request_tokens;
  tr.charge = std::move(charge);
  auto opening = chat_.open(std::move(tr));
  agents::Turn turn = co_await std::move(opening);
  auto answering = chat_.answer(turn);
  const agents::TurnOutcome out = co_await std::move(answering);
  Reply reply;
  reply.message.message_id = out.message_id;
  reply.message.message.role = "assistant";
  reply.message.message.content = out.result.content;
  reply.message.created_at = iso8601_unix(clock_.unix_seconds());
  reply.cost = out.cost;
  co_return reply;
}

// Tokens and agent keys

net::awaitable<access::CreatedToken> WorkspaceService::create_token(const access::KeyRecord& caller, object body) {
  std::vector<Violation> bad;
  std::string name;
  const json::value* n = body.if_contains("name");
  if (!n || n->is_null() || (n->is_string() && n->as_string().empty())) bad.push_back({"name", "required", {}});
  else if (!n->is_string()) bad.push_back({"name", "string", {}});
  else if (n->as_string().size() > 255) bad.push_back({"name", "max", {{"of", "string"}, {"max", 255}}});
  else name = std::string(n->as_string());
  std::vector<std::string> scopes = caller.scopes;
  if (const json::value* s = body.if_contains("scopes"); s && !s->is_null()) {
    scopes.clear();
    if (!s->is_array()) bad.push_back({"scopes", "array", {}});
    else
      for (std::size_t i = 0; i < s->as_array().size(); ++i) {
        const auto& v = s->as_array()[i];
        // Only scopes the creator holds.
        if (v.is_string() && caller.has_scope(v.as_string())) scopes.emplace_back(v.as_string());
        else bad.push_back({"scopes." + std::to_string(i), "in", {}});
      }
  }
  if (!bad.empty()) throw invalid_fields(std::move(bad));
  std::string listed;
  for (const auto& sc : scopes) listed += sc + " ";
  const auto ordered = access::parse_scopes(listed).value_or(std::vector<std::string>{});
  auto work = db_.write([user = caller.user_id, name, ordered](db::Conn& c) {
    return access::create_user_token(c, user, name, ordered);
  });
  co_return co_await std::move(work);
}

net::awaitable<std::vector<access::Token>> WorkspaceService::tokens(std::int64_t user_id) {
  auto work = db_.read([user_id](db::Conn& c) { return access::list_user_tokens(c, user_id); });
  co_return co_await std::move(work);
}

net::awaitable<void> WorkspaceService::revoke_token(std::int64_t user_id, std::string id) {
  auto work = db_.write([user_id, id](db::Conn& c) {
    if (!access::revoke_user_token(c, user_id, id)) throw workspace_not_found();
  });
  co_await std::move(work);
}

net::awaitable<WorkspaceService::AgentKey> WorkspaceService::rotate_agent_key(std::int64_t org, std::string agent_ref) {
  auto work = db_.write([org, agent_ref](db::Conn& c) {
    const agents::Agent agent = agent_in(c, org, agent_ref);
    const access::AgentKey key = access::rotate_agent_key(c, org, agent.id);
    return AgentKey{agent.uuid, key.secret, key.created_at};
  });
  co_return co_await std::move(work);
}

}  // namespace agentd::workspace
