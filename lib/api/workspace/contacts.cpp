// Workspace API: contacts, their properties, activities and timeline (API.md 5).
#include "api/workspace/dialect.hpp"
#include "api/workspace/shape.hpp"
#include "workspace/kinds.hpp"

namespace agentd::api::workspace {
namespace {

net::awaitable<http::Response> create(const Services& s, RequestContext& ctx) {
  auto creating = s.workspace.create_contact(org_of(ctx), body_of(ctx));
  auto result = co_await std::move(creating);
  co_return data(201, std::move(result));
}

net::awaitable<http::Response> list(const Services& s, RequestContext& ctx) {
  const ListRequest r = list_request(ctx);
  auto listing = s.workspace.contacts(org_of(ctx), r.listing);
  db::Page page = co_await std::move(listing);
  co_return page_of(ctx, records(std::move(page.records)), r, page.total);
}

net::awaitable<http::Response> get(const Services& s, RequestContext& ctx) {
  auto finding = s.workspace.get(agentd::workspace::contact_kind(), org_of(ctx), ctx.param("id"));
  auto result = co_await std::move(finding);
  co_return data(200, std::move(result));
}

net::awaitable<http::Response> update(const Services& s, RequestContext& ctx) {
  auto updating = s.workspace.update_contact(org_of(ctx), ctx.param("id"), body_of(ctx));
  auto result = co_await std::move(updating);
  co_return data(200, std::move(result));
}

net::awaitable<http::Response> remove(const Services& s, RequestContext& ctx) {
  auto removing = s.workspace.remove(agentd::workspace::contact_kind(), org_of(ctx), ctx.param("id"));
  co_await std::move(removing);
  co_return no_content();
}

// 200 with the contact found, 201 with the one created.
net::awaitable<http::Response> find_or_create(const Services& s, RequestContext& ctx) {
  auto finding = s.workspace.find_or_create_contact(org_of(ctx), body_of(ctx));
  auto result = co_await std::move(finding);
  co_return data(result.created ? 201 : 200, std::move(result.contact));
}

net::awaitable<http::Response> set_property(const Services& s, RequestContext& ctx) {
  auto setting = s.workspace.set_contact_property(org_of(ctx), ctx.param("id"), body_of(ctx));
  auto result = co_await std::move(setting);
  co_return data(200, std::move(result));
}

net::awaitable<http::Response> add_activity(const Services& s, RequestContext& ctx) {
  auto adding = s.workspace.add_activity(org_of(ctx), ctx.param("id"), body_of(ctx));
  auto result = co_await std::move(adding);
  co_return data(201, std::move(result));
}

net::awaitable<http::Response> activities(const Services& s, RequestContext& ctx) {
  const ListRequest r = list_request(ctx);
  auto listing = s.workspace.activities(org_of(ctx), ctx.param("id"), r.listing);
  db::Page page = co_await std::move(listing);
  co_return page_of(ctx, records(std::move(page.records)), r, page.total);
}

net::awaitable<http::Response> remove_activity(const Services& s, RequestContext& ctx) {
  auto removing = s.workspace.remove_activity(org_of(ctx), ctx.param("id"), ctx.param("activityId"));
  co_await std::move(removing);
  co_return no_content();
}

net::awaitable<http::Response> timeline(const Services& s, RequestContext& ctx) {
  const ListRequest r = list_request(ctx);
  auto reading = s.workspace.timeline(org_of(ctx), ctx.param("id"), r.listing);
  agentd::workspace::Timeline t = co_await std::move(reading);
  json::array entries;
  for (auto& e : t.entries) entries.emplace_back(std::move(e));
  co_return page_of(ctx, std::move(entries), r, t.total);
}

}  // namespace

void add_contact_routes(Dispatcher& d, const Dialect& dialect, const Services& s) {
  using bhttp::verb;
  const RouteGroup group{d, dialect, s};
  using namespace schema;
  const auto& contacts = agentd::workspace::contact_kind();
  const auto& activities_kind = agentd::workspace::activity_kind();
  // A contact's writes also take tagsAppend: tags added to the ones it has.
  RouteDoc creating = create_doc(contacts, "Create a contact");
  creating.body = extend(creating.body, {{"tagsAppend", array(str())}});
  RouteDoc updating = update_doc(contacts, "Update a contact");
  updating.body = extend(updating.body, {{"tagsAppend", array(str())}});
  RouteDoc patching = updating;
  patching.summary = "Update a contact (the fields sent)";
  RouteDoc finding = creating;
  finding.summary = "The contact with this email (any case), else this exact name; created when there is none (201)";
  finding.status = 200;
  finding.also = {201};
  group.add(verb::post, "/api/v1/contacts", "workspace:write", create, creating);
  group.add(verb::get, "/api/v1/contacts", "workspace:read", list, list_doc(contacts, "List contacts"));
  group.add(verb::post, "/api/v1/contacts/find-or-create", "workspace:write", find_or_create, finding);
  group.add(verb::get, "/api/v1/contacts/{id}", "workspace:read", get, read_doc(contacts, "A contact"));
  group.add(verb::put, "/api/v1/contacts/{id}", "workspace:write", update, updating);
  group.add(verb::patch, "/api/v1/contacts/{id}", "workspace:write", update, patching);
  group.add(verb::delete_, "/api/v1/contacts/{id}", "workspace:write", remove, delete_doc("Delete a contact"));
  group.add(verb::post, "/api/v1/contacts/{id}/properties", "workspace:write", set_property,
            {.summary = "Set one of a contact's properties",
             .body = obj({{"key", str()}, {"value", any()}}, {"key"}),
             .response = data_schema(record(contacts))});
  group.add(verb::get, "/api/v1/contacts/{id}/activities", "workspace:read", activities,
            list_doc(activities_kind, "A contact's activities, newest first"));
  group.add(verb::post, "/api/v1/contacts/{id}/activities", "workspace:write", add_activity,
            create_doc(activities_kind, "Log an activity with a contact"));
  group.add(verb::delete_, "/api/v1/contacts/{id}/activities/{activityId}", "workspace:write", remove_activity,
            delete_doc("Delete an activity"));
  group.add(verb::get, "/api/v1/contacts/{id}/timeline", "workspace:read", timeline,
            {.summary = "A contact's activities and changes, newest first",
             .response = page_schema(obj({{"kind", one_of({"activity", "change"})}, {"id", str()}, {"createdAt", str()}},
                                         {"kind", "createdAt"})),
             .paged = true});
}

}  // namespace agentd::api::workspace
