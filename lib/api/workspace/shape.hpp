// What every Workspace adapter shares: the request's team, the `{"data":...}` envelope, 204 for
// deletes, the request body as an object, and a list request (page, per_page, filter[search]).
#pragma once

#include "api/common/dispatcher.hpp"
#include "api/common/json_body.hpp"
#include "api/common/schema.hpp"
#include "workspace/workspace_service.hpp"

#include <boost/json.hpp>

namespace agentd::api::workspace {

namespace json = boost::json;

// The team the request acts in.
inline std::int64_t org_of(const RequestContext& ctx) { return ctx.principal->org.org_id; }

inline http::Response data(unsigned status, json::value value) {
  return http::json_response(status, json::object{{"data", std::move(value)}});
}
inline http::Response no_content() {
  http::Response res = http::make_response(204, "", "");
  res.erase(bhttp::field::content_type);
  return res;
}
inline json::object body_of(const RequestContext& ctx) { return JsonBody::parse(ctx.request.body()).object(); }

struct ListRequest {
  PageRequest page;
  agentd::workspace::Listing listing;
};
inline ListRequest list_request(const RequestContext& ctx) {
  ListRequest r{read_page(ctx, ctx.dialect().paging), {}};
  r.listing.offset = r.page.offset();
  r.listing.limit = r.page.size;
  r.listing.search = ctx.query("filter[search]").value_or("");
  return r;
}
inline http::Response page_of(const RequestContext& ctx, json::array items, const ListRequest& r, std::int64_t total) {
  return http::json_response(200, ctx.dialect().shape_page(ctx, std::move(items), "", r.page, total));
}
inline json::array records(std::vector<db::Record> rs) {
  json::array out;
  for (auto& r : rs) out.emplace_back(std::move(r));
  return out;
}

// The schemas of the above: {"data": ...} and a Laravel page (data, links, meta).
inline schema::Schema data_schema(schema::Schema s) { return schema::obj({{"data", std::move(s)}}, {"data"}); }
inline schema::Schema page_schema(schema::Schema item) {
  using namespace schema;
  return obj({{"data", array(std::move(item))},
              {"links", obj({{"first", str()}, {"last", str()}, {"prev", nullable(str())}, {"next", nullable(str())}},
                            {"first", "last", "prev", "next"})},
              {"meta", obj({{"current_page", integer()}, {"from", nullable(integer())}, {"last_page", integer()}, {"per_page", integer()},
                            {"to", nullable(integer())}, {"total", integer()}},
                           {"current_page", "from", "last_page", "per_page", "to", "total"})}},
             {"data", "links", "meta"});
}

// The routes of a declared kind, documented from the declaration that validates them.
inline RouteDoc create_doc(const db::Kind& kind, std::string summary) {
  return {.summary = std::move(summary), .body = schema::record_input(kind, false), .response = data_schema(schema::record(kind)),
          .status = 201};
}
inline RouteDoc read_doc(const db::Kind& kind, std::string summary) {
  return {.summary = std::move(summary), .response = data_schema(schema::record(kind))};
}
inline RouteDoc update_doc(const db::Kind& kind, std::string summary) {
  return {.summary = std::move(summary), .body = schema::record_input(kind, true), .response = data_schema(schema::record(kind))};
}
inline RouteDoc list_doc(const db::Kind& kind, std::string summary, std::vector<QueryParam> query = {}) {
  if (!kind.search_table.empty()) query.insert(query.begin(), {"filter[search]", schema::str(), "a substring of the searchable fields"});
  return {.summary = std::move(summary), .query = std::move(query), .response = page_schema(schema::record(kind)), .paged = true};
}
inline RouteDoc delete_doc(std::string summary) { return {.summary = std::move(summary), .status = 204}; }

}  // namespace agentd::api::workspace
