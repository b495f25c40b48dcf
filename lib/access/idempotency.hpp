// Idempotency-Key for POST requests (API.md 1.4): for 24 hours the same key, organization, route
// and body replay the first response; another body is 422; a replay while the first request
// still runs is 409.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace agentd::db { class Conn; }

namespace agentd::access {

inline constexpr double kIdempotencyTtlSeconds = 24 * 3600;
inline constexpr std::size_t kIdempotencyKeyMax = 255;

struct StoredResponse {
  int status = 200;
  std::string content_type;
  std::string body;
  // The answer's own headers (X-Session-Id ...), without those of the moment (X-Request-Id,
  // X-RateLimit-*, Content-Length, Connection).
  std::vector<std::pair<std::string, std::string>> headers;
};

struct IdempotencyClaim {
  enum class Outcome { proceed, replay, in_progress, key_reused } outcome = Outcome::proceed;
  StoredResponse response;  // for replay
};

// Claims (org, key, route) for this body, or reports what the earlier request left.
IdempotencyClaim claim_idempotency(db::Conn& conn, std::int64_t org_id, const std::string& key,
                                   const std::string& route, const std::string& body_hash, double now);
// Records the final response so later requests replay it.
void complete_idempotency(db::Conn& conn, std::int64_t org_id, const std::string& key, const std::string& route,
                          const StoredResponse& response);
// Forgets a claim whose request failed with a server error, so that a retry does the work.
void abandon_idempotency(db::Conn& conn, std::int64_t org_id, const std::string& key, const std::string& route);
// At start: drops expired records and claims left running by a process that died.
void purge_idempotency(db::Conn& conn, double now);

}  // namespace agentd::access
