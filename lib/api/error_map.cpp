#include "api/error_map.hpp"

#include <boost/json.hpp>

#include <cctype>

namespace agentd::api {
namespace json = boost::json;
namespace {

const char* external_type(ErrorKind kind) {
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

std::string rate_message(int retry_after) {
  return "Rate limit exceeded. Try again in " + std::to_string(retry_after) + " seconds.";
}

}  // namespace

json::object external_error_object(const AppError& e) {
  json::object err{{"message", e.message}, {"type", e.type.empty() ? external_type(e.kind) : e.type}, {"code", e.code}};
  for (const auto& kv : e.extra) err[kv.key()] = kv.value();
  return err;
}

namespace {

json::object external_body(const AppError& e) {
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
              {"message", rate_message(e.retry_after)},
              {"details", {{"limit", e.extra.at("limit")}, {"window", e.extra.at("window")}, {"retry_after", e.retry_after}}}};
    case ErrorKind::concurrency_limited:
      return {{"error", "concurrency_limit_exceeded"},
              {"code", "concurrency_limit_exceeded"},
              {"message", e.message},
              {"details", {{"limit", e.extra.at("limit")}, {"retry_after", e.retry_after}}}};
    default:
      return {{"detail", {{"error", external_error_object(e)}}}};
  }
}

bool is_upper_code(const std::string& code) {
  if (code.empty()) return false;
  for (char c : code)
    if (!(std::isupper(static_cast<unsigned char>(c)) || c == '_')) return false;
  return true;
}

const char* agents_code(const AppError& e) {
  switch (e.kind) {
    case ErrorKind::bad_request:
    case ErrorKind::unprocessable: return "INVALID_REQUEST";
    case ErrorKind::missing_key:
    case ErrorKind::invalid_key: return "UNAUTHORIZED";
    case ErrorKind::forbidden:
    case ErrorKind::insufficient_scope:
    case ErrorKind::subscription_required: return "FORBIDDEN";
    case ErrorKind::payment_required: return "INSUFFICIENT_QUOTA";
    case ErrorKind::not_found: return e.code == "agent_not_found" ? "AGENT_NOT_FOUND" : "NOT_FOUND";
    case ErrorKind::method_not_allowed: return "METHOD_NOT_ALLOWED";
    case ErrorKind::conflict: return "CONFLICT";
    case ErrorKind::payload_too_large: return "PAYLOAD_TOO_LARGE";
    case ErrorKind::rate_limited:
    case ErrorKind::concurrency_limited: return "RATE_LIMIT_EXCEEDED";
    case ErrorKind::unavailable: return "AGENT_UNAVAILABLE";
    case ErrorKind::bad_gateway: return "MODEL_ERROR";
    case ErrorKind::internal: return "INTERNAL_ERROR";
  }
  return "INTERNAL_ERROR";
}

json::object agents_body(const AppError& e) {
  json::object details = e.extra;
  if (!e.field.empty()) {
    details["field"] = e.field;
    if (!details.contains("reason")) details["reason"] = e.message;
  }
  std::string message = e.message;
  if (e.kind == ErrorKind::rate_limited || e.kind == ErrorKind::concurrency_limited) {
    details["retryAfter"] = e.retry_after;
    if (e.kind == ErrorKind::rate_limited) message = rate_message(e.retry_after);
  }
  return {{"success", false},
          {"error", {{"code", is_upper_code(e.code) ? e.code.c_str() : agents_code(e)}, {"message", message}, {"details", details}}}};
}

std::pair<unsigned, json::object> workspace_body(const AppError& e) {
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
      errors[e.field.empty() ? "request" : e.field] = json::array{json::value(e.message)};
      return {422, {{"message", e.message}, {"errors", std::move(errors)}}};
    }
    default: return {static_cast<unsigned>(http_status(e.kind)), {{"message", e.message}}};
  }
}

}  // namespace

http::Response render_error(http::Dialect dialect, const AppError& e) {
  unsigned status = http_status(e.kind);
  json::object body;
  switch (dialect) {
    case http::Dialect::agents: body = agents_body(e); break;
    case http::Dialect::workspace: std::tie(status, body) = workspace_body(e); break;
    case http::Dialect::external:
    case http::Dialect::server: body = external_body(e); break;
  }
  http::Response res = http::json_response(status, body);
  if (e.kind == ErrorKind::missing_key && dialect != http::Dialect::workspace)
    res.set(http::bhttp::field::www_authenticate, dialect == http::Dialect::agents ? "Bearer" : "ApiKey");
  if (e.kind == ErrorKind::rate_limited || e.kind == ErrorKind::concurrency_limited)
    res.set(http::bhttp::field::retry_after, std::to_string(e.retry_after));
  return res;
}

}  // namespace agentd::api
