#include "core/errors.hpp"

namespace agentd {

int http_status(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::bad_request: return 400;
    case ErrorKind::missing_key:
    case ErrorKind::invalid_key: return 401;
    case ErrorKind::payment_required: return 402;
    case ErrorKind::forbidden:
    case ErrorKind::insufficient_scope:
    case ErrorKind::subscription_required: return 403;
    case ErrorKind::not_found: return 404;
    case ErrorKind::method_not_allowed: return 405;
    case ErrorKind::conflict: return 409;
    case ErrorKind::payload_too_large: return 413;
    case ErrorKind::unprocessable: return 422;
    case ErrorKind::rate_limited:
    case ErrorKind::concurrency_limited: return 429;
    case ErrorKind::bad_gateway: return 502;
    case ErrorKind::unavailable: return 503;
    case ErrorKind::internal: return 500;
  }
  return 500;
}

}  // namespace agentd
