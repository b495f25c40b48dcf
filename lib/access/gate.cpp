#include "access/gate.hpp"

#include "access/idempotency.hpp"
#include "core/log.hpp"
#include "core/offload.hpp"

#include <openssl/evp.h>

#include <cstdio>
#include <memory>

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

std::string requested_team(const Call& call, const AccessPolicy& policy) {
  if (!policy.team_per_request) return {};
  if (auto t = header(call.request, "X-Team-Slug"); !t.empty()) return std::string(t);
  if (auto t = header(call.request, "X-Team"); !t.empty()) return std::string(t);
  return call.query("team").value_or("");
}

Membership resolve_org(const KeyRecord& key, const std::string& team) {
  if (key.memberships.empty()) throw invalid_key_error();
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

std::string hex_of(const unsigned char* bytes, std::size_t n) {
  static const char digits[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    out.push_back(digits[bytes[i] >> 4]);
    out.push_back(digits[bytes[i] & 0xf]);
  }
  return out;
}

std::string body_digest(const std::string& body) {
  const KeyHash h = hash_key(body);
  return hex_of(h.data(), h.size());
}

// SHA-256 of a file, read in blocks.
std::string file_digest(const std::string& path) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> md(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  EVP_DigestInit_ex(md.get(), EVP_sha256(), nullptr);
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> in(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::vector<char> block(64 * 1024);
  for (std::size_t n; (n = std::fread(block.data(), 1, block.size(), in.get())) > 0;) EVP_DigestUpdate(md.get(), block.data(), n);
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(md.get(), out, &len);
  return hex_of(out, len);
}

}  // namespace

std::optional<std::string> Call::query(std::string_view name) const {
  for (auto p : url.params())
    if (p.key == name) return std::string(p.value);
  return std::nullopt;
}

AppError missing_key_error() { return AppError(ErrorKind::missing_key, "api_key_required", "API key required"); }
AppError invalid_key_error() { return AppError(ErrorKind::invalid_key, "invalid_api_key", "Invalid API key"); }

AppError scope_error(const std::string& scope, const std::vector<std::string>& available) {
  const std::vector<std::string> required{scope};
  return AppError(ErrorKind::insufficient_scope, "scope_not_allowed", "API key does not have required permissions",
                  {{"required_scopes", to_json_array(required)},
                   {"missing_scopes", to_json_array(required)},
                   {"available_scopes", to_json_array(available)}});
}

AppError rate_limit_error(int limit, const std::string& window, int retry_after) {
  AppError e(ErrorKind::rate_limited, "rate_limit_exceeded", "Rate limit exceeded", {{"limit", limit}, {"window", window}});
  e.retry_after = retry_after;
  return e;
}

void require_scope(const Call& call, const std::string& scope) {
  const auto& key = *call.principal->key;
  if (!key.has_scope(scope)) throw scope_error(scope, key.scopes);
}

Limits Gate::limits_for(const KeyRecord& key, const std::string& plan) const {
  Limits l;
  if (auto it = config_.plans.find(plan); it != config_.plans.end()) l = {it->second.rpm, it->second.rph, it->second.concurrency};
  if (key.rpm) l.rpm = *key.rpm;
  if (key.rph) l.rph = *key.rph;
  if (key.concurrency) l.concurrency = *key.concurrency;
  return l;
}

// Authentication, scope, plan and admission. Fills the principal and the snapshot for the
// rate-limit headers as soon as the key is known.
net::awaitable<void> Gate::admit(Call& call, Pass& pass, const AccessPolicy& policy, const std::string& scope) {
  // An agent's auth key comes alone in its own header, where the dialect takes it; other keys
  // never do what an agent key does.
  const std::string_view agent_secret = policy.team_per_request ? header(call.request, "X-Agent-Auth-Key") : std::string_view{};
  const std::string_view secret = agent_secret.empty() ? presented_key(call.request) : agent_secret;
  if (secret.empty()) throw missing_key_error();
  auto authenticating = keys_.authenticate(secret);
  auto key = co_await std::move(authenticating);
  if (!key || key->agent_id.has_value() != !agent_secret.empty()) throw invalid_key_error();
  Membership org = resolve_org(*key, key->agent_id ? std::string() : requested_team(call, policy));
  const Limits limits = limits_for(*key, org.plan);
  call.principal = Principal{key, org, limits};
  call.limit_snapshot = limiter_.peek(key->id, limits);

  require_scope(call, scope);
  if (policy.needs_external_api_plan) {
    auto plan = config_.plans.find(org.plan);
    if (plan == config_.plans.end() || !plan->second.external_api)
      throw AppError(ErrorKind::subscription_required, "subscription_required",
                     "External API requires an active subscription (Basic or Pro)");
  }
  Admission a = limiter_.admit(key->id, limits);
  call.limit_snapshot = a.snapshot;
  if (a.outcome == Admission::Outcome::rate_limited) {
    metrics_.rate_limited(a.window);
    throw rate_limit_error(a.limit, a.window, a.retry_after);
  }
  if (a.outcome == Admission::Outcome::concurrency_limited) {
    metrics_.rate_limited("concurrency");
    AppError e(ErrorKind::concurrency_limited, "concurrency_limit_exceeded",
               "Too many concurrent requests. The limit for this key is " + std::to_string(a.limit) + ".",
               {{"limit", a.limit}});
    e.retry_after = a.retry_after;
    throw e;
  }
  pass.slot = std::move(a.slot);
}

net::awaitable<void> Gate::claim(Call& call, Pass& pass) {
  auto it = call.request.find("Idempotency-Key");
  if (it == call.request.end()) co_return;
  std::string key(it->value());
  if (key.empty() || key.size() > kIdempotencyKeyMax)
    throw bad_request("Idempotency-Key must be 1 to 255 characters", "Idempotency-Key", "invalid_idempotency_key");
  std::string route = "POST " + std::string(call.url.path());
  const auto org_id = call.principal->org.org_id;
  std::string digest;
  if (call.body_file.empty()) {
    digest = body_digest(call.request.body());
  } else {
    // A spooled body (up to 150 MiB) is hashed on the worker pool, not the io thread.
    auto hashing = offload(db_.pool(), [path = call.body_file] { return file_digest(path); });
    digest = co_await std::move(hashing);
  }
  auto claiming = db_.write([org_id, key, route, digest, now = clock_.unix_seconds()](db::Conn& c) {
    return claim_idempotency(c, org_id, key, route, digest, now);
  });
  auto claim = co_await std::move(claiming);
  switch (claim.outcome) {
    case IdempotencyClaim::Outcome::proceed:
      pass.idem_key = std::move(key);
      pass.idem_route = std::move(route);
      break;
    case IdempotencyClaim::Outcome::replay:
      pass.replay = http::make_response(claim.response.status, claim.response.body, claim.response.content_type);
      for (const auto& [name, value] : claim.response.headers) pass.replay->set(name, value);
      pass.replay->set("Idempotent-Replayed", "true");
      break;
    case IdempotencyClaim::Outcome::in_progress:
      throw AppError(ErrorKind::conflict, "request_in_progress", "A request with this Idempotency-Key is still being processed");
    case IdempotencyClaim::Outcome::key_reused:
      throw AppError(ErrorKind::unprocessable, "idempotency_key_reused",
                     "This Idempotency-Key was already used with a different request body");
  }
}

net::awaitable<void> Gate::reserve_and_claim(Call& call, Pass& pass, const Estimator& estimate) {
  if (estimate) {
    pass.estimate = estimate(call);
    auto reserve = db_.write([org_id = call.principal->org.org_id, key_id = call.principal->key->id, amount = pass.estimate,
                              ref = call.request_id](db::Conn& c) { return reserve_credits(c, org_id, key_id, amount, ref); });
    pass.reservation = co_await std::move(reserve);
  }
  if (call.request.method() == bhttp::verb::post) {
    auto claiming = claim(call, pass);
    co_await std::move(claiming);
  }
}

Micros Gate::charge_in(db::Conn& conn, Pass& pass, Micros cost, const std::string& description) {
  if (!pass.reservation) return 0;
  pass.early_charge = settle_credits(conn, *pass.reservation, cost, description);
  pass.charged_early = true;
  return pass.early_charge;
}

net::awaitable<void> Gate::leave(Call& call, Pass& pass, http::Response& response, const std::string& route_pattern) {
  const unsigned status = response.result_int();
  // Settle or release the reservation and record the idempotent response; failures here are
  // logged, never turned into a different answer for work already done. A streamed response is
  // billed for what was produced (the handler's cost) and is not recorded for replay.
  if (pass.reservation || !pass.idem_key.empty()) {
    const bool succeeded = status < 400 && !pass.replay && (!call.streamed || call.cost);
    const Micros cost = call.cost.value_or(pass.estimate);
    const auto org_id = call.principal->org.org_id;
    const bool record = status < 500 && !call.streamed;
    StoredResponse stored{static_cast<int>(status), std::string(response[bhttp::field::content_type]), response.body(), {}};
    for (const auto& h : response) {
      const std::string name(h.name_string());
      const bool of_the_moment = h.name() == bhttp::field::content_type || h.name() == bhttp::field::content_length ||
                                 h.name() == bhttp::field::connection || name == "X-Request-Id" ||
                                 name.rfind("X-RateLimit-", 0) == 0;
      if (!of_the_moment) stored.headers.emplace_back(name, std::string(h.value()));
    }
    try {
      auto settling = db_.write([&](db::Conn& c) {
        Micros charged = 0;
        if (pass.reservation) {
          // Charged already with what it stored: a release only closes a reservation whose
          // transaction rolled back.
          if (pass.charged_early) release_credits(c, *pass.reservation);
          else if (succeeded) charged = settle_credits(c, *pass.reservation, cost, route_pattern);
          else release_credits(c, *pass.reservation);
        }
        if (!pass.idem_key.empty()) {
          if (record) complete_idempotency(c, org_id, pass.idem_key, pass.idem_route, stored);
          else abandon_idempotency(c, org_id, pass.idem_key, pass.idem_route);
        }
        return charged;
      });
      const Micros charged = co_await std::move(settling);
      metrics_.credits_spent(charged + pass.early_charge);
    } catch (const std::exception& e) {
      log::write(log::Level::error, {{"msg", "settlement failed"}, {"request_id", call.request_id}, {"error", e.what()}});
    }
  }
  if (call.limit_snapshot) set_rate_limit_headers(response, *call.limit_snapshot);
  pass.slot = {};
}

void set_rate_limit_headers(http::Response& res, const LimitSnapshot& s) {
  res.set("X-RateLimit-Limit", std::to_string(s.minute.limit));
  res.set("X-RateLimit-Remaining", std::to_string(s.minute.remaining));
  res.set("X-RateLimit-Reset", std::to_string(s.minute.reset_unix));
  res.set("X-RateLimit-Limit-Minute", std::to_string(s.minute.limit));
  res.set("X-RateLimit-Remaining-Minute", std::to_string(s.minute.remaining));
  res.set("X-RateLimit-Reset-Minute", std::to_string(s.minute.reset_unix));
  res.set("X-RateLimit-Limit-Hour", std::to_string(s.hour.limit));
  res.set("X-RateLimit-Remaining-Hour", std::to_string(s.hour.remaining));
  res.set("X-RateLimit-Reset-Hour", std::to_string(s.hour.reset_unix));
}

}  // namespace agentd::access
