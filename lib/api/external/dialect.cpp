// The External API's descriptor: its error table (byte for byte as API.md 1.5 and the seeds),
// X-API-Key or Bearer keys in the key's organization, plans without the External API refused,
// page/page_size paging.
#include "api/external/dialect.hpp"

#include "api/common/dispatcher.hpp"

#include <boost/json.hpp>

namespace agentd::api::external {
namespace json = boost::json;
namespace {

const char* type_of(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::bad_request: return "validation_error";
    case ErrorKind::missing_key:
    case ErrorKind::invalid_key: return "authentication_error";
    case ErrorKind::forbidden:
    case ErrorKind::insufficient_scope:
    case ErrorKind::subscription_required: return "forbidden";
    case ErrorKind::payment_required: return "payment_required";
    case ErrorKind::not_found: return "not_found";
    case ErrorKind::method_not_allowed: return "method_not_allowed";
    case ErrorKind::conflict: return "conflict";
    case ErrorKind::payload_too_large: return "payload_too_large";
    case ErrorKind::unprocessable: return "unprocessable_entity";
    case ErrorKind::rate_limited:
    case ErrorKind::concurrency_limited: return "rate_limit_error";
    case ErrorKind::unavailable: return "service_unavailable";
    case ErrorKind::bad_gateway: return "upstream_error";
    case ErrorKind::internal: return "internal_error";
  }
  return "internal_error";
}

// Seed 003's errors are plain strings: {"detail": "Content not found: ID"}.
bool plain_detail(const AppError& e) { return e.code.rfind("content_", 0) == 0 || e.code == "model_not_configured"; }

json::object body_of(const AppError& e) {
  if (plain_detail(e)) return {{"detail", e.message}};
  switch (e.kind) {
    case ErrorKind::missing_key:
      return {{"detail", "API key required. Include X-API-Key header with your request."}};
    case ErrorKind::invalid_key:
      return {{"detail",
               {{"error", {{"message", "Invalid API key"}, {"type", "authentication_error"}, {"code", "invalid_api_key"}}}}}};
    case ErrorKind::insufficient_scope: {
      json::object o{{"error", "insufficient_scopes"},
                     {"code", "scope_not_allowed"},
                     {"message", "API key does not have required permissions"}};
      for (const auto& kv : e.extra) o[kv.key()] = kv.value();
      return o;
    }
    case ErrorKind::rate_limited:
      return {{"error", "rate_limit_exceeded"},
              {"code", "RATE_LIMIT_EXCEEDED"},
              {"message", "Rate limit exceeded. Try again in " + std::to_string(e.retry_after) + " seconds."},
              {"details", {{"limit", e.extra.at("limit")}, {"window", e.extra.at("window")}, {"retry_after", e.retry_after}}}};
    case ErrorKind::concurrency_limited:
      return {{"error", "concurrency_limit_exceeded"},
              {"code", "concurrency_limit_exceeded"},
              {"message", e.message},
              {"details", {{"limit", e.extra.at("limit")}, {"retry_after", e.retry_after}}}};
    default:
      return {{"detail", {{"error", error_object(e)}}}};
  }
}

RenderedError render(const AppError& e) { return {static_cast<unsigned>(http_status(e.kind)), body_of(e)}; }

json::object stream_error(const AppError& e) { return {{"error", error_object(e)}}; }

// What body_of writes: seed 003's plain detail ({"detail": "..."}), the detail object
// ({"detail": {"error": {message, type, code}}}), or the error at the top level with its
// code and message (scopes, rate limits). One object schema: generators of the field warn on
// examples checked against a top-level anyOf.
json::object error_schema() {
  using namespace schema;
  // The error object's extras: a 402's amounts.
  const Schema error = obj({{"message", str()}, {"type", str()}, {"code", str()}, {"required", str()}, {"available", str()}},
                           {"message", "type", "code"});
  Schema detail{{"anyOf", json::array{str(), obj({{"error", error}}, {"error"})}}};
  Schema s = obj({{"detail", std::move(detail)}, {"error", str()}, {"code", str()}, {"message", str()}, {"details", any_object()},
                  {"required_scopes", array(str())}, {"missing_scopes", array(str())}, {"available_scopes", array(str())}});
  s["minProperties"] = 1;
  return s;
}

json::object shape_page(const RequestContext&, json::array items, std::string_view items_key, const PageRequest& page,
                        std::int64_t total) {
  return {{items_key, std::move(items)},
          {"total", total},
          {"page", page.page},
          {"page_size", page.size},
          {"has_next", page.page * page.size < total}};
}

}  // namespace

schema::Schema page_schema(std::string_view items_key, schema::Schema item) {
  using namespace schema;
  return obj({{items_key, array(std::move(item))}, {"total", integer()}, {"page", integer()}, {"page_size", integer()}, {"has_next", boolean()}},
             {std::string(items_key), "total", "page", "page_size", "has_next"});
}

json::object error_object(const AppError& e) {
  json::object err{{"message", e.message}, {"type", e.type.empty() ? type_of(e.kind) : e.type}, {"code", e.code}};
  for (const auto& kv : e.extra) err[kv.key()] = kv.value();
  return err;
}

Dialect descriptor() {
  return {.name = "external",
          .prefixes = {"/", "/api/external", "/v1/chat/", "/v1/models"},
          .access = {.team_per_request = false, .needs_external_api_plan = true},
          .www_authenticate = "ApiKey",
          .render = render,
          .stream_error = stream_error,
          .shape_page = shape_page,
          .paging = {"page", "page_size", 20, 100},
          .title = "External API",
          .about = "Keys, credits, OpenAI-compatible chat completions, agents, sessions, knowledge bases and generated content "
                   "(X-API-Key or Bearer)",
          .error_schema = error_schema()};
}

void install(Dispatcher& d, const Services& s) {
  const Dialect& dialect = d.add_dialect(descriptor());
  add_server_routes(d, dialect, s);
  add_credit_routes(d, dialect, s);
  add_rag_routes(d, dialect, s);
  add_agent_routes(d, dialect, s);
  add_chat_routes(d, dialect, s);
  add_session_routes(d, dialect, s);
  add_content_routes(d, dialect, s);
}

}  // namespace agentd::api::external
