// The Agents API's descriptor: the seed's envelope and codes. A domain error maps by its code
// where the seed has a specific one (agent_inactive is AGENT_UNAVAILABLE here, 409 in the
// External API), else by its kind.
#include "api/agents_v1/dialect.hpp"

#include "api/common/dispatcher.hpp"

#include <boost/json.hpp>

#include <cctype>
#include <map>

namespace agentd::api::agents_v1 {
namespace json = boost::json;
namespace {

struct Code {
  unsigned status;
  const char* code;
};

Code code_of(const AppError& e) {
  static const std::map<std::string, Code, std::less<>> by_code = {
      {"agent_not_found", {404, "AGENT_NOT_FOUND"}},   {"agent_inactive", {503, "AGENT_UNAVAILABLE"}},
      {"model_unavailable", {503, "AGENT_UNAVAILABLE"}}, {"model_error", {502, "MODEL_ERROR"}},
      {"model_timeout", {502, "MODEL_ERROR"}},          {"delete_protected", {403, "DELETE_PROTECTED"}},
      {"invalid_message", {400, "INVALID_MESSAGE"}},    {"insufficient_credits", {402, "INSUFFICIENT_QUOTA"}},
  };
  if (auto it = by_code.find(e.code); it != by_code.end()) return it->second;
  const auto status = static_cast<unsigned>(http_status(e.kind));
  switch (e.kind) {
    case ErrorKind::bad_request:
    case ErrorKind::unprocessable: return {status, "INVALID_REQUEST"};
    case ErrorKind::missing_key:
    case ErrorKind::invalid_key: return {status, "UNAUTHORIZED"};
    case ErrorKind::forbidden:
    case ErrorKind::insufficient_scope:
    case ErrorKind::subscription_required: return {status, "FORBIDDEN"};
    case ErrorKind::payment_required: return {status, "INSUFFICIENT_QUOTA"};
    case ErrorKind::not_found: return {status, "NOT_FOUND"};
    case ErrorKind::method_not_allowed: return {status, "METHOD_NOT_ALLOWED"};
    case ErrorKind::conflict: return {status, "CONFLICT"};
    case ErrorKind::payload_too_large: return {status, "PAYLOAD_TOO_LARGE"};
    case ErrorKind::rate_limited:
    case ErrorKind::concurrency_limited: return {status, "RATE_LIMIT_EXCEEDED"};
    case ErrorKind::unavailable: return {status, "AGENT_UNAVAILABLE"};
    case ErrorKind::bad_gateway: return {status, "MODEL_ERROR"};
    case ErrorKind::internal: return {status, "INTERNAL_ERROR"};
  }
  return {500, "INTERNAL_ERROR"};
}

bool is_upper_code(const std::string& code) {
  if (code.empty()) return false;
  for (char c : code)
    if (!(std::isupper(static_cast<unsigned char>(c)) || c == '_')) return false;
  return true;
}

// "Field is required", "Must be one of: a, b": the violation in the seed's words.
std::string reason_of(const AppError& e) {
  const Violation& v = *e.violation;
  if (v.rule == "required") return "Field is required";
  std::string rest = e.message;
  if (rest.rfind(v.field + " ", 0) == 0) rest = rest.substr(v.field.size() + 1);
  if (!rest.empty()) rest[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(rest[0])));
  return rest;
}

json::object error_body(const AppError& e, std::string_view code, std::string message) {
  json::object details = e.extra;
  if (e.violation) {
    details["field"] = e.violation->field;
    if (!details.contains("reason")) details["reason"] = reason_of(e);
  }
  if (e.kind == ErrorKind::rate_limited || e.kind == ErrorKind::concurrency_limited) details["retryAfter"] = e.retry_after;
  return {{"code", code}, {"message", std::move(message)}, {"details", std::move(details)}};
}

RenderedError render(const AppError& e) {
  Code c = code_of(e);
  if (is_upper_code(e.code)) c.code = e.code.c_str();
  std::string message = e.message;
  if (e.kind == ErrorKind::rate_limited) message = "Rate limit exceeded. Try again in " + std::to_string(e.retry_after) + " seconds.";
  return {c.status, {{"success", false}, {"error", error_body(e, c.code, std::move(message))}}};
}

// What render writes: {"success": false, "error": {code, message, details}}.
json::object error_schema() {
  using namespace schema;
  return obj({{"success", boolean()}, {"error", obj({{"code", str()}, {"message", str()}, {"details", any_object()}}, {"code", "message"})}},
             {"success", "error"});
}

json::object stream_error(const AppError& e) {
  const RenderedError r = render(e);
  return {{"type", "error"}, {"error", r.body.at("error")}};
}

// Both data.items (the seed's paging section) and data.<items_key> (its agent list).
json::object shape_page(const RequestContext&, json::array items, std::string_view items_key, const PageRequest& page,
                        std::int64_t total) {
  json::object out{{"items", items}, {items_key, std::move(items)}};
  out["pagination"] = json::object{

      {"currentPage", page.page},
      {"totalPages", page_count(total, page.size)},
      {"totalItems", total},
      {"itemsPerPage", page.size}};
  return out;
}

}  // namespace

json::object success(json::value data) { return {{"success", true}, {"data", std::move(data)}}; }

schema::Schema success_schema(schema::Schema data) {
  return schema::obj({{"success", schema::boolean()}, {"data", std::move(data)}}, {"success", "data"});
}

schema::Schema page_schema(std::string_view items_key, schema::Schema item) {
  using namespace schema;
  return obj({{"items", array(item)},
              {items_key, array(item)},
              {"pagination", obj({{"currentPage", integer()}, {"totalPages", integer()}, {"totalItems", integer()}, {"itemsPerPage", integer()}},
                                 {"currentPage", "totalPages", "totalItems", "itemsPerPage"})}},
             {"items", std::string(items_key), "pagination"});
}

Dialect descriptor() {
  return {.name = "agents_v1",
          .prefixes = {"/v1"},
          .access = {.team_per_request = false, .needs_external_api_plan = false},
          .www_authenticate = "Bearer",
          .render = render,
          .stream_error = stream_error,
          .shape_page = shape_page,
          .paging = {"page", "limit", 20, 100},
          .title = "Agents API",
          .about = "Agents and their messages at /v1, in the {success, data} envelope (Bearer)",
          .error_schema = error_schema()};
}

void install(Dispatcher& d, const Services& s) {
  const Dialect& dialect = d.add_dialect(descriptor());
  add_agent_routes(d, dialect, s);
  add_message_routes(d, dialect, s);
}

}  // namespace agentd::api::agents_v1
