// The access gate every authenticated route passes, in this order: from the header alone
// authenticate -> scope -> plan -> rate limit; with the body: credits reservation ->
// idempotency; and after
// the handler: settle or release the credits, record the idempotent answer, release the
// concurrency slot, X-RateLimit-* headers. What differs between dialects (which headers name
// the team, whether the plan must include the External API) comes in as an AccessPolicy.
#pragma once

#include "access/key_cache.hpp"
#include "access/keys.hpp"
#include "access/credits.hpp"
#include "access/rate_limiter.hpp"
#include "core/clock.hpp"
#include "core/config.hpp"
#include "core/errors.hpp"
#include "db/database.hpp"
#include "http/metrics.hpp"
#include "http/types.hpp"

#include <boost/url/url_view.hpp>

#include <functional>
#include <optional>

namespace agentd::access {

// Who is calling, once authenticated: the key and the organization this request acts in.
struct Principal {
  std::shared_ptr<const KeyRecord> key;
  Membership org;
  Limits limits;
};

// What the gate knows of one request and leaves in it.
struct Call {
  http::Request& request;
  boost::urls::url_view url;
  std::string request_id;
  std::optional<Principal> principal;
  // The key's buckets once it is known: every response of the request carries them as the
  // X-RateLimit-* headers (a streamed one in its head).
  std::optional<LimitSnapshot> limit_snapshot;
  // A body spooled to disk (routes with body_to_file): its file, removed when the request ends,
  // and its size; `request` then has an empty body.
  std::string body_file{};
  std::uint64_t body_size = 0;
  // Billable routes: the real cost once known (settled instead of the estimate).
  std::optional<Micros> cost;
  // The handler answered through an event stream (its head already went out).
  bool streamed = false;
  // Billable routes: settles the reservation for `cost` inside the caller's own write
  // transaction, so that what was stored and its charge commit together (before a stream's
  // last event). Set by the dispatcher once the reservation is held; returns the amount charged.
  std::function<Micros(db::Conn&, Micros cost)> charge_now{};

  std::optional<std::string> query(std::string_view name) const;
};

// Reserve-before-work estimate of a billable request, in micro-credits.
using Estimator = std::function<Micros(const Call&)>;

// How a dialect authenticates.
struct AccessPolicy {
  // The Workspace API names the team per request (X-Team-Slug, X-Team, ?team=); others act in
  // the key's organization.
  bool team_per_request = false;
  // The plan must include the External API (API.md 1.2: free plans get 403 subscription_required).
  bool needs_external_api_plan = false;
};

// What a request holds between enter() and leave().
struct Pass {
  ConcurrencySlot slot;
  std::optional<Reservation> reservation;
  Micros estimate = 0;
  std::string idem_key, idem_route;  // set while this request owns an idempotency claim
  std::optional<http::Response> replay;  // an earlier answer to replay instead of the handler
  bool charged_early = false;  // charge_in() ran (in a transaction that may yet roll back)
  Micros early_charge = 0;
};

class Gate {
 public:
  Gate(KeyCache& keys, RateLimiter& limiter, db::Database& db, const Clock& clock, const Config& config,
       http::Metrics& metrics)
      : keys_(keys), limiter_(limiter), db_(db), clock_(clock), config_(config), metrics_(metrics) {}

  // From the header alone, before the body is read: authentication, scope, plan and the rate
  // limits. Throws AppError; what it acquired stays in `pass` for leave(), also when it throws.
  boost::asio::awaitable<void> admit(Call& call, Pass& pass, const AccessPolicy& policy, const std::string& scope);
  // Once the body is read: the credits reservation (its estimate may read the body) and the
  // idempotency claim (keyed by the body). Throws AppError like admit().
  boost::asio::awaitable<void> reserve_and_claim(Call& call, Pass& pass, const Estimator& estimate);
  // `response` is the request's final answer (a streamed one: its status only).
  boost::asio::awaitable<void> leave(Call& call, Pass& pass, http::Response& response, const std::string& route_pattern);

  // Settles the pass's reservation in the caller's transaction (Call::charge_now).
  Micros charge_in(db::Conn& conn, Pass& pass, Micros cost, const std::string& description);

  Limits limits_for(const KeyRecord& key, const std::string& plan) const;

 private:
  boost::asio::awaitable<void> claim(Call& call, Pass& pass);

  KeyCache& keys_;
  RateLimiter& limiter_;
  db::Database& db_;
  const Clock& clock_;
  const Config& config_;
  http::Metrics& metrics_;
};

// The gate's refusals, also rendered as the examples of /openapi.json.
AppError missing_key_error();
AppError invalid_key_error();
AppError scope_error(const std::string& scope, const std::vector<std::string>& available);
AppError rate_limit_error(int limit, const std::string& window, int retry_after);

// For handlers whose scope depends on the request (a streamed completion, a named agent):
// throws insufficient_scope.
void require_scope(const Call& call, const std::string& scope);

// The nine X-RateLimit-* headers (API.md 1.2).
void set_rate_limit_headers(http::Response& res, const LimitSnapshot& s);

}  // namespace agentd::access
