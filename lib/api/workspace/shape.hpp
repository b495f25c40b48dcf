// What every Workspace adapter shares: the request's team, the `{"data":...}` envelope, 204 for
// deletes, the request body as an object, and a list request (page, per_page, filter[search]).
#pragma once

#include "api/common/dispatcher.hpp"
#include "api/common/json_body.hpp"
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
  ListRequest r{ctx.dialect().read_page(ctx), {}};
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

}  // namespace agentd::api::workspace
