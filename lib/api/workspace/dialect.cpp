// The Workspace API's descriptor: Laravel's error bodies, Bearer keys with the team named per
// request (X-Team-Slug, X-Team, ?team=), page/per_page paging with links and meta. Its
// resources come with their own issue; until then it answers 401/403/404/405 in its shape.
#include "api/workspace/dialect.hpp"

#include "api/common/dispatcher.hpp"

#include <boost/json.hpp>

namespace agentd::api::workspace {
namespace json = boost::json;
namespace {

RenderedError render(const AppError& e) {
  switch (e.kind) {
    case ErrorKind::missing_key:
    case ErrorKind::invalid_key: return {401, {{"message", "Unauthenticated."}}};
    case ErrorKind::forbidden:
    case ErrorKind::insufficient_scope:
    case ErrorKind::subscription_required: return {403, {{"message", "This action is unauthorized."}}};
    case ErrorKind::not_found: return {404, {{"message", "Not found."}}};
    case ErrorKind::payment_required: return {402, {{"message", "Insufficient credits."}}};
    case ErrorKind::rate_limited:
    case ErrorKind::concurrency_limited: return {429, {{"message", "Too Many Attempts."}}};
    case ErrorKind::internal: return {500, {{"message", "Server Error."}}};
    case ErrorKind::bad_request:
    case ErrorKind::unprocessable: {
      json::object errors;
      errors[e.violation ? e.violation->field : "request"] = json::array{json::value(e.message)};
      return {422, {{"message", e.message}, {"errors", std::move(errors)}}};
    }
    default: return {static_cast<unsigned>(http_status(e.kind)), {{"message", e.message}}};
  }
}

json::object stream_error(const AppError& e) { return {{"message", e.message}}; }

PageRequest read_page(const RequestContext& ctx) { return api::read_page(ctx, {"page", "per_page", 15, 100}); }

// Laravel's paginator: links keep the request's other query parameters.
json::object shape_page(const RequestContext& ctx, json::array items, std::string_view, const PageRequest& page,
                        std::int64_t total) {
  const std::int64_t last = std::max<std::int64_t>(1, page_count(total, page.size));
  std::string host(ctx.request[bhttp::field::host]);
  auto link = [&](std::int64_t n) {
    std::string out = "http://" + host + std::string(ctx.url.path()) + "?";
    for (auto p : ctx.url.encoded_params())
      if (p.key != "page") out += std::string(p.key) + "=" + std::string(p.value) + "&";
    return out + "page=" + std::to_string(n);
  };
  const std::int64_t count = static_cast<std::int64_t>(items.size());
  auto or_null = [](bool present, json::value v) { return present ? v : json::value(nullptr); };
  return {{"data", std::move(items)},
          {"links",
           {{"first", link(1)}, {"last", link(last)}, {"prev", or_null(page.page > 1, json::value(link(page.page - 1)))},
            {"next", or_null(page.page < last, json::value(link(page.page + 1)))}}},
          {"meta",
           {{"current_page", page.page},
            {"from", or_null(count > 0, page.offset() + 1)},
            {"last_page", last},
            {"per_page", page.size},
            {"to", or_null(count > 0, page.offset() + count)},
            {"total", total}}}};
}

}  // namespace

Dialect descriptor() {
  return {.name = "workspace",
          .prefixes = {"/api/v1"},
          .access = {.team_per_request = true, .needs_external_api_plan = false},
          .www_authenticate = "",
          .render = render,
          .stream_error = stream_error,
          .read_page = read_page,
          .shape_page = shape_page};
}

void install(Dispatcher& d, const Services&) { d.add_dialect(descriptor()); }

}  // namespace agentd::api::workspace
