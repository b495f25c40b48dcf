// Domain errors: a kind, a machine code and structured details. Services throw AppError; each
// dialect's error table (lib/api/<dialect>/dialect.cpp) renders it in that dialect's shape.
#pragma once

#include <boost/json/object.hpp>

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace agentd {

enum class ErrorKind {
  bad_request,          // malformed JSON, wrong type, missing field (422 in the Workspace API)
  missing_key,          // no credentials at all
  invalid_key,          // unknown, revoked or expired credentials
  forbidden,            // authenticated but not allowed (team not joined, protected object)
  insufficient_scope,   // extra: required_scopes, missing_scopes, available_scopes
  subscription_required,
  payment_required,     // extra: required, available
  not_found,
  method_not_allowed,   // extra: allow
  conflict,
  payload_too_large,
  unprocessable,        // semantic rejection (idempotency_key_reused)
  rate_limited,         // retry_after, extra: limit, window
  concurrency_limited,  // retry_after, extra: limit
  unavailable,
  bad_gateway,
  internal,
};

// What was wrong with one input field, for dialects that render validation errors in their own
// words (the Agents API's details, Laravel's messages): the rule broken and its parameters.
struct Violation {
  std::string field;  // "name", "messages[0].role"
  std::string rule;   // required, string, integer, number, boolean, array, object, min, max, between, in, format
  boost::json::object params;  // {"min":1,"max":200}, {"values":["a","b"]}
};

struct AppError : std::runtime_error {
  AppError(ErrorKind kind, std::string code, std::string message, boost::json::object extra = {})
      : std::runtime_error(message), kind(kind), code(std::move(code)), message(std::move(message)),
        extra(std::move(extra)) {}

  ErrorKind kind;
  // Machine code in the External API's spelling (snake_case), e.g. "datastore_not_found".
  std::string code;
  std::string message;
  // Fields the dialect places beside message/type/code (External) or under details (Agents API).
  boost::json::object extra;
  // External API "type" when the seed uses a specific one; empty: derived from kind.
  std::string type;
  // Validation errors: the offending field and the rule it broke.
  std::optional<Violation> violation;
  // Every violation when a check reports them all at once (the Workspace API lists each field);
  // `violation` is the first.
  std::vector<Violation> violations;
  int retry_after = 0;
};

int http_status(ErrorKind kind);

// `message` is the External API's wording; a field names the violation (rule "invalid" unless given).
inline AppError bad_request(std::string message, std::string field = {}, std::string code = "invalid_request") {
  AppError e(ErrorKind::bad_request, std::move(code), std::move(message));
  if (!field.empty()) e.violation = Violation{std::move(field), "invalid", {}};
  return e;
}

// A bad_request with the seed's own code first ("invalid_file_count", "unsupported_file_type").
inline AppError validation_error(std::string code, std::string message, std::string field = {}) {
  return bad_request(std::move(message), std::move(field), std::move(code));
}

inline AppError invalid_field(std::string field, std::string rule, boost::json::object params, std::string message,
                              std::string code = "invalid_request") {
  AppError e(ErrorKind::bad_request, std::move(code), std::move(message));
  e.violation = Violation{std::move(field), std::move(rule), std::move(params)};
  return e;
}

// Several fields at once (the first also as `violation`; the message names it).
inline AppError invalid_fields(std::vector<Violation> all) {
  AppError e(ErrorKind::unprocessable, "validation_failed",
             "The " + (all.empty() ? std::string("request") : all.front().field) + " field is invalid.");
  if (!all.empty()) e.violation = all.front();
  e.violations = std::move(all);
  return e;
}

inline AppError not_found(std::string code, std::string message) {
  return AppError(ErrorKind::not_found, std::move(code), std::move(message));
}

inline AppError internal_error() {
  return AppError(ErrorKind::internal, "internal_error", "Internal server error");
}

}  // namespace agentd
