// Domain errors. Services throw AppError (or return it); api/error_map.cpp is the one place that
// turns an AppError into each dialect's status code and body.
#pragma once

#include <boost/json/object.hpp>

#include <stdexcept>
#include <string>

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
  // Offending field for validation errors (Workspace API's errors map, Agents API's details.field).
  std::string field;
  int retry_after = 0;
};

int http_status(ErrorKind kind);

inline AppError bad_request(std::string message, std::string field = {}, std::string code = "invalid_request") {
  AppError e(ErrorKind::bad_request, std::move(code), std::move(message));
  e.field = std::move(field);
  return e;
}

inline AppError not_found(std::string code, std::string message) {
  return AppError(ErrorKind::not_found, std::move(code), std::move(message));
}

inline AppError internal_error() {
  return AppError(ErrorKind::internal, "internal_error", "Internal server error");
}

}  // namespace agentd
