#include "access/pipeline.hpp"

#include "access/credits.hpp"
#include "access/idempotency.hpp"
#include "api/error_map.hpp"
#include "core/log.hpp"
#include "server/app.hpp"

#include <boost/json/serialize.hpp>

namespace agentd::access {
namespace bhttp = http::bhttp;
namespace net = boost::asio;
namespace {

std::string_view header(const http::Request& req, std::string_view name) {
  auto it = req.find(name);
  return it == req.end() ? std::string_view{} : std::string_view(it->value().data(), it->value().size());
}

std::string_view presented_key(const http::Request& req) {
  if (auto k = header(req, "X-API-Key"); !k.empty()) return k;
  auto auth = header(req, "Authorization");
  if (auth.size() > 7 && (auth.substr(0, 7) == "Bearer " || auth.substr(0, 7) == "bearer ")) {
    auth.remove_prefix(7);
    while (!auth.empty() && auth.front() == ' ') auth.remove_prefix(1);
    return auth;
  }
  return {};
}

// The Workspace API names the team per request; other dialects act in the key's organization.
std::string requested_team(const http::RequestContext& ctx) {
  if (ctx.route.dialect != http::Dialect::workspace) return {};
  if (auto t = header(ctx.request, "X-Team-Slug"); !t.empty()) return std::string(t);
  if (auto t = header(ctx.request, "X-Team"); !t.empty()) return std::string(t);
  return ctx.query("team").value_or("");
}

Membership resolve_org(const KeyRecord& key, const std::string& team) {
  if (key.memberships.empty()) throw AppError(ErrorKind::invalid_key, "invalid_api_key", "Invalid API key");
  if (team.empty()) {
    if (key.memberships.size() == 1) return key.memberships.front();
    throw AppError(ErrorKind::forbidden, "team_required", "Name the team with the X-Team-Slug header");
  }
  for (const auto& m : key.memberships)
    if (m.slug == team) return m;
  throw AppError(ErrorKind::forbidden, "team_not_allowed", "This key is not a member of team '" + team + "'");
}

boost::json::array to_json_array(const std::vector<std::string>& v) {
  boost::json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

std::string body_digest(const std::string& body) {
  const KeyHash h = hash_key(body);
  static const char digits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : h) {
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 0xf]);
  }
  return out;
}

// Authentication, scope, plan and admission; throws AppError. Fills ctx.principal and the
// snapshot for the rate-limit headers as soon as the key is known.
net::awaitable<ConcurrencySlot> admit(App& app, http::RequestContext& ctx) {
  auto& snapshot = ctx.limit_snapshot;
  const std::string_view secret = presented_key(ctx.request);
  if (secret.empty()) throw AppError(ErrorKind::missing_key, "api_key_required", "API key required");
  auto key = co_await app.keys.authenticate(secret);
  if (!key) throw AppError(ErrorKind::invalid_key, "invalid_api_key", "Invalid API key");
  Membership org = resolve_org(*key, requested_team(ctx));
  const Limits limits = app.limits_for(*key, org.plan);
  ctx.principal = http::Principal{key, org, limits};
  snapshot = app.limiter.peek(key->id, limits);

  require_scope(ctx, ctx.route.scope);
  if (ctx.route.dialect == http::Dialect::external) {
    auto plan = app.config.plans.find(org.plan);
    if (plan == app.config.plans.end() || !plan->second.external_api)
      throw AppError(ErrorKind::subscription_required, "subscription_required",
                     "External API requires an active subscription (Basic or Pro)");
  }
  Admission a = app.limiter.admit(key->id, limits);
  snapshot = a.snapshot;
  if (a.outcome == Admission::Outcome::rate_limited) {
    app.metrics.rate_limited(a.window);
    AppError e(ErrorKind::rate_limited, "rate_limit_exceeded", "Rate limit exceeded",
               {{"limit", a.limit}, {"window", a.window}});
    e.retry_after = a.retry_after;
    throw e;
  }
  if (a.outcome == Admission::Outcome::concurrency_limited) {
    app.metrics.rate_limited("concurrency");
    AppError e(ErrorKind::concurrency_limited, "concurrency_limit_exceeded",
               "Too many concurrent requests. The limit for this key is " + std::to_string(a.limit) + ".",
               {{"limit", a.limit}});
    e.retry_after = a.retry_after;
    throw e;
  }
  co_return std::move(a.slot);
}

}  // namespace

void require_scope(const http::RequestContext& ctx, const std::string& scope) {
  const auto& key = *ctx.principal->key;
  if (key.has_scope(scope)) return;
  const std::vector<std::string> required{scope};
  throw AppError(ErrorKind::insufficient_scope, "scope_not_allowed", "API key does not have required permissions",
                 {{"required_scopes", to_json_array(required)},
                  {"missing_scopes", to_json_array(required)},
                  {"available_scopes", to_json_array(key.scopes)}});
}

net::awaitable<http::Response> run_pipeline(App& app, http::RequestContext& ctx) {
  const http::Route& route = ctx.route;
  ConcurrencySlot slot;
  std::optional<Reservation> reservation;
  Micros estimate = 0;
  std::string idem_key;
  std::string idem_route;  // method and exact path, set when an Idempotency-Key is given
  std::optional<AppError> error;
  std::optional<http::Response> response;
  bool replayed = false;

  try {
    if (!route.scope.empty()) slot = co_await admit(app, ctx);

    if (route.estimate && ctx.principal) {
      estimate = route.estimate(ctx);
      const auto org_id = ctx.principal->org.org_id;
      const auto key_id = ctx.principal->key->id;
      auto reserve = app.write_db([org_id, key_id, estimate, ref = ctx.request_id](db::Conn& c) {
        return reserve_credits(c, org_id, key_id, estimate, ref);
      });
      reservation = co_await std::move(reserve);
    }

    if (ctx.request.method() == bhttp::verb::post && ctx.principal) {
      auto it = ctx.request.find("Idempotency-Key");
      if (it != ctx.request.end()) {
        idem_key = std::string(it->value());
        idem_route = "POST " + std::string(ctx.url.path());
        if (idem_key.empty() || idem_key.size() > kIdempotencyKeyMax)
          throw bad_request("Idempotency-Key must be 1 to 255 characters", "Idempotency-Key", "invalid_idempotency_key");
        const auto org_id = ctx.principal->org.org_id;
        const double now = app.clock.unix_seconds();
        auto claiming = app.write_db([org_id, idem_key, idem_route, digest = body_digest(ctx.request.body()), now](db::Conn& c) {
          return claim_idempotency(c, org_id, idem_key, idem_route, digest, now);
        });
        auto claim = co_await std::move(claiming);
        switch (claim.outcome) {
          case IdempotencyClaim::Outcome::proceed: break;
          case IdempotencyClaim::Outcome::replay:
            replayed = true;
            idem_key.clear();
            response = http::make_response(claim.response.status, claim.response.body, claim.response.content_type);
            response->set("Idempotent-Replayed", "true");
            break;
          case IdempotencyClaim::Outcome::in_progress:
            idem_key.clear();
            throw AppError(ErrorKind::conflict, "request_in_progress",
                           "A request with this Idempotency-Key is still being processed");
          case IdempotencyClaim::Outcome::key_reused:
            idem_key.clear();
            throw AppError(ErrorKind::unprocessable, "idempotency_key_reused",
                           "This Idempotency-Key was already used with a different request body");
        }
      }
    }

    if (!response) response = co_await route.handler(ctx);
  } catch (const AppError& e) {
    error = e;
  } catch (const std::exception& e) {
    log::write(log::Level::error, {{"msg", "unhandled error"}, {"request_id", ctx.request_id}, {"route", route.pattern},
                                   {"error", e.what()}});
    error = internal_error();
  }

  // A streamed response went out as it was produced: it is billed for what was produced (the
  // handler's cost, also when the client left) and is not recorded for idempotent replay.
  const bool streamed = ctx.stream && ctx.streamed;
  if (streamed) {
    if (error) log::write(log::Level::error, {{"msg", "stream ended by an error"}, {"request_id", ctx.request_id},
                                              {"error", error->message}});
    response = http::make_response(200, "", "text/event-stream");
  } else if (error) {
    response = api::render_error(route.dialect, *error);
  }
  const unsigned status = response->result_int();

  // Settle or release the reservation and record the idempotent response; failures here are
  // logged, never turned into a different answer for work already done.
  if (reservation || !idem_key.empty()) {
    const bool succeeded = status < 400 && !replayed && (!streamed || ctx.cost);
    const Micros cost = ctx.cost.value_or(estimate);
    const auto org_id = ctx.principal->org.org_id;
    StoredResponse stored{static_cast<int>(status), std::string((*response)[bhttp::field::content_type]), response->body()};
    try {
      auto settling = app.write_db([&](db::Conn& c) {
        Micros charged = 0;
        if (reservation) {
          if (succeeded) charged = settle_credits(c, *reservation, cost, route.pattern);
          else release_credits(c, *reservation);
        }
        if (!idem_key.empty()) {
          if (stored.status < 500 && !streamed) complete_idempotency(c, org_id, idem_key, idem_route, stored);
          else abandon_idempotency(c, org_id, idem_key, idem_route);
        }
        return charged;
      });
      const Micros charged = co_await std::move(settling);
      app.metrics.credits_spent(charged);
    } catch (const std::exception& e) {
      log::write(log::Level::error, {{"msg", "settlement failed"}, {"request_id", ctx.request_id}, {"error", e.what()}});
    }
  }
  if (ctx.limit_snapshot) http::set_rate_limit_headers(*response, *ctx.limit_snapshot);
  co_return std::move(*response);
}

}  // namespace agentd::access
