// Workspace API: items, and an agent's goals, memories and reminders (API.md 5).
#include "agents/reminders.hpp"
#include "api/workspace/dialect.hpp"
#include "api/workspace/shape.hpp"
#include "knowledge/memories.hpp"
#include "workspace/kinds.hpp"

namespace agentd::api::workspace {
namespace {

using agentd::workspace::ItemFilter;
using agentd::workspace::MemoryFilter;

// A query parameter among `values` (422 "The selected status is invalid." otherwise).
std::string one_of(const RequestContext& ctx, const char* name, const std::vector<std::string>& values) {
  const std::string v = ctx.query(name).value_or("");
  if (!v.empty() && std::find(values.begin(), values.end(), v) == values.end())
    throw invalid_fields({{name, "in", {}}});
  return v;
}

bool flag(const RequestContext& ctx, const char* name) {
  const std::string v = ctx.query(name).value_or("");
  if (v.empty() || v == "0" || v == "false") return false;
  if (v == "1" || v == "true") return true;
  throw invalid_fields({{name, "boolean", {}}});
}

net::awaitable<http::Response> list_of(const RequestContext& ctx, net::awaitable<db::Page> listing, const ListRequest& r) {
  db::Page page = co_await std::move(listing);
  co_return page_of(ctx, records(std::move(page.records)), r, page.total);
}

// Items

net::awaitable<http::Response> create_item(const Services& s, RequestContext& ctx) {
  auto creating = s.workspace.create_item(org_of(ctx), body_of(ctx));
  auto result = co_await std::move(creating);
  co_return data(201, std::move(result));
}

net::awaitable<http::Response> list_items(const Services& s, RequestContext& ctx) {
  const ListRequest r = list_request(ctx);
  ItemFilter f;
  f.status = one_of(ctx, "status", agentd::workspace::item_statuses());
  f.priority = one_of(ctx, "priority", agentd::workspace::item_priorities());
  f.due_today = flag(ctx, "dueToday");
  auto answering = list_of(ctx, s.workspace.items(org_of(ctx), r.listing, f), r);
  co_return co_await std::move(answering);
}

net::awaitable<http::Response> update_item(const Services& s, RequestContext& ctx) {
  auto updating = s.workspace.update_item(org_of(ctx), ctx.param("id"), body_of(ctx));
  auto result = co_await std::move(updating);
  co_return data(200, std::move(result));
}

// Goals, memories, reminders: the same five handlers over each kind.

template <const db::Kind& (*Kind)()>
net::awaitable<http::Response> create_owned(const Services& s, RequestContext& ctx) {
  auto creating = s.workspace.create_owned(Kind(), org_of(ctx), ctx.param("uuid"), body_of(ctx));
  auto result = co_await std::move(creating);
  co_return data(201, std::move(result));
}

template <const db::Kind& (*Kind)()>
net::awaitable<http::Response> list_owned(const Services& s, RequestContext& ctx) {
  const ListRequest r = list_request(ctx);
  MemoryFilter f;
  if (&Kind() == &knowledge::memory_kind()) {
    f.category = ctx.query("category").value_or("");
    f.tier = one_of(ctx, "tier", knowledge::memory_kind().field("tier")->values);
  }
  // Under /agents/{uuid}/...: that agent's; at the top level: the team's.
  const std::string agent = ctx.params.empty() ? std::string() : ctx.param("uuid");
  auto answering = list_of(ctx, s.workspace.owned(Kind(), org_of(ctx), agent, r.listing, f), r);
  co_return co_await std::move(answering);
}

template <const db::Kind& (*Kind)()>
net::awaitable<http::Response> get(const Services& s, RequestContext& ctx) {
  auto finding = s.workspace.get(Kind(), org_of(ctx), ctx.param("id"));
  auto result = co_await std::move(finding);
  co_return data(200, std::move(result));
}

template <const db::Kind& (*Kind)()>
net::awaitable<http::Response> update(const Services& s, RequestContext& ctx) {
  auto updating = s.workspace.update(Kind(), org_of(ctx), ctx.param("id"), body_of(ctx));
  auto result = co_await std::move(updating);
  co_return data(200, std::move(result));
}

template <const db::Kind& (*Kind)()>
net::awaitable<http::Response> remove(const Services& s, RequestContext& ctx) {
  auto removing = s.workspace.remove(Kind(), org_of(ctx), ctx.param("id"));
  co_await std::move(removing);
  co_return no_content();
}

}  // namespace

void add_record_routes(Dispatcher& d, const Dialect& dialect, const Services& s) {
  using bhttp::verb;
  using agentd::workspace::goal_kind;
  using agentd::workspace::item_kind;
  using knowledge::memory_kind;
  using agents::reminder_kind;
  const RouteGroup group{d, dialect, s};
  using schema::one_of;
  const auto& items = item_kind();
  group.add(verb::post, "/api/v1/items", "workspace:write", create_item, create_doc(items, "Create an item"));
  group.add(verb::get, "/api/v1/items", "workspace:read", list_items,
            list_doc(items, "List items",
                     {{"status", one_of(agentd::workspace::item_statuses())},
                      {"priority", one_of(agentd::workspace::item_priorities())},
                      {"dueToday", schema::boolean(), "only items due today (UTC)"}}));
  group.add(verb::get, "/api/v1/items/{id}", "workspace:read", get<item_kind>, read_doc(items, "An item"));
  group.add(verb::put, "/api/v1/items/{id}", "workspace:write", update_item, update_doc(items, "Update an item"));
  group.add(verb::patch, "/api/v1/items/{id}", "workspace:write", update_item, update_doc(items, "Update an item (the fields sent)"));
  group.add(verb::delete_, "/api/v1/items/{id}", "workspace:write", remove<item_kind>, delete_doc("Delete an item"));

  const auto& memories = memory_kind();
  group.add(verb::post, "/api/v1/agents/{uuid}/memories", "workspace:write", create_owned<memory_kind>,
            create_doc(memories, "Store a memory of an agent"));
  group.add(verb::get, "/api/v1/agents/{uuid}/memories", "workspace:read", list_owned<memory_kind>,
            list_doc(memories, "An agent's memories",
                     {{"category", schema::str()}, {"tier", one_of(memories.field("tier")->values)}}));
  group.add(verb::get, "/api/v1/memories/{id}", "workspace:read", get<memory_kind>, read_doc(memories, "A memory"));
  group.add(verb::put, "/api/v1/memories/{id}", "workspace:write", update<memory_kind>, update_doc(memories, "Update a memory"));
  group.add(verb::patch, "/api/v1/memories/{id}", "workspace:write", update<memory_kind>,
            update_doc(memories, "Update a memory (the fields sent)"));
  group.add(verb::delete_, "/api/v1/memories/{id}", "workspace:write", remove<memory_kind>, delete_doc("Delete a memory"));

  const auto& goals = goal_kind();
  group.add(verb::post, "/api/v1/agents/{uuid}/goals", "workspace:write", create_owned<goal_kind>, create_doc(goals, "Set a goal of an agent"));
  group.add(verb::get, "/api/v1/agents/{uuid}/goals", "workspace:read", list_owned<goal_kind>, list_doc(goals, "An agent's goals"));
  group.add(verb::get, "/api/v1/goals", "workspace:read", list_owned<goal_kind>, list_doc(goals, "The team's goals"));
  group.add(verb::get, "/api/v1/goals/{id}", "workspace:read", get<goal_kind>, read_doc(goals, "A goal"));
  group.add(verb::put, "/api/v1/goals/{id}", "workspace:write", update<goal_kind>, update_doc(goals, "Update a goal"));
  group.add(verb::patch, "/api/v1/goals/{id}", "workspace:write", update<goal_kind>, update_doc(goals, "Update a goal (the fields sent)"));
  group.add(verb::delete_, "/api/v1/goals/{id}", "workspace:write", remove<goal_kind>, delete_doc("Delete a goal"));

  const auto& reminders = reminder_kind();
  group.add(verb::post, "/api/v1/agents/{uuid}/reminders", "workspace:write", create_owned<reminder_kind>,
            create_doc(reminders, "Schedule a reminder: the agent posts it in its latest room at scheduledAt"));
  group.add(verb::get, "/api/v1/agents/{uuid}/reminders", "workspace:read", list_owned<reminder_kind>,
            list_doc(reminders, "An agent's reminders"));
  group.add(verb::get, "/api/v1/reminders", "workspace:read", list_owned<reminder_kind>, list_doc(reminders, "The team's reminders"));
  group.add(verb::get, "/api/v1/reminders/{id}", "workspace:read", get<reminder_kind>, read_doc(reminders, "A reminder"));
  group.add(verb::delete_, "/api/v1/reminders/{id}", "workspace:write", remove<reminder_kind>,
            delete_doc("Cancel and delete a reminder"));
}

}  // namespace agentd::api::workspace
