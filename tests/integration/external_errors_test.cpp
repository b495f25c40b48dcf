// The External API error table (API.md 1.5), byte for byte, and the access pipeline around it:
// rate-limit headers, Retry-After, credits, idempotency.
#include "harness.hpp"
#include "test_routes.hpp"

#include "access/accounts.hpp"
#include "access/keys.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <future>

using namespace agentd;
using namespace agentd::testing;

namespace {

const std::vector<std::string> kDefault = access::default_scopes();

class ExternalApi : public ::testing::Test {
 protected:
  TestRoutes routes;
  ManualClock clock{static_cast<double>(std::time(nullptr))};
  InProcessServer server{{}, &clock, routes.installer()};

  HttpResult get(const std::string& target, const std::string& key) {
    return http_call(server.port(), "GET", target, {{"X-API-Key", key}});
  }
  HttpResult post(const std::string& target, const std::string& key, const std::string& body, Headers extra = {}) {
    extra.emplace_back("X-API-Key", key);
    extra.emplace_back("Content-Type", "application/json");
    return http_call(server.port(), "POST", target, extra, body);
  }
};

}  // namespace

TEST_F(ExternalApi, NoKeyIs401WithWwwAuthenticate) {
  auto r = http_call(server.port(), "GET", "/api/external/credits");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.body, R"({"detail":"API key required. Include X-API-Key header with your request."})");
  EXPECT_EQ(r.header("WWW-Authenticate"), "ApiKey");
  EXPECT_FALSE(r.has_header("X-RateLimit-Limit"));
  EXPECT_EQ(r.header("X-Request-Id").size(), 16u);
}

TEST_F(ExternalApi, BadRevokedAndExpiredKeysAre401InvalidApiKey) {
  const std::string invalid =
      R"({"detail":{"error":{"message":"Invalid API key","type":"authentication_error","code":"invalid_api_key"}}})";
  for (const std::string key : {"agd_live_00000000000000000000000000000000", "garbage", "Bearer"}) {
    auto r = get("/api/external/credits", key);
    EXPECT_EQ(r.status, 401) << key;
    EXPECT_EQ(r.body, invalid) << key;
  }
  // Bearer works as well as X-API-Key, and a bad bearer is the same 401.
  auto bearer = http_call(server.port(), "GET", "/api/external/credits", {{"Authorization", "Bearer agd_live_nope"}});
  EXPECT_EQ(bearer.body, invalid);
  auto ok = http_call(server.port(), "GET", "/api/external/credits",
                      {{"Authorization", "Bearer " + server.bootstrap_key()}});
  EXPECT_EQ(ok.status, 200);

  // Expired: a key whose expiry has passed on the server's clock.
  const std::string key = server.app().store.write([&](db::Conn& c) {
    auto org = access::find_org(c, "default");
    access::KeySpec spec;
    spec.scopes = kDefault;
    spec.expires_at = clock.unix_seconds() + 30;
    return access::create_key(c, *org, spec).secret;
  });
  EXPECT_EQ(get("/api/external/credits", key).status, 200);
  clock.advance(31);
  auto expired = get("/api/external/credits", key);
  EXPECT_EQ(expired.status, 401);
  EXPECT_EQ(expired.body, invalid);
}

TEST_F(ExternalApi, MissingScopeIs403WithRequiredMissingAndAvailable) {
  const std::string key = server.make_key("acme", "pro", "1", {"agents:list", "rag:read"});
  auto r = get("/api/external/credits", key);
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.body,
            R"({"error":"insufficient_scopes","code":"scope_not_allowed","message":"API key does not have required permissions","required_scopes":["credits:read"],"missing_scopes":["credits:read"],"available_scopes":["agents:list","rag:read"]})");
  // Authenticated, so the rate-limit headers are there although nothing was consumed.
  EXPECT_EQ(r.header("X-RateLimit-Remaining"), "300");
}

TEST_F(ExternalApi, FreePlanIs403SubscriptionRequired) {
  const std::string key = server.make_key("freebie", "free", "1", kDefault);
  auto r = get("/api/external/credits", key);
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.body,
            R"j({"detail":{"error":{"message":"External API requires an active subscription (Basic or Pro)","type":"forbidden","code":"subscription_required"}}})j");
}

TEST_F(ExternalApi, BasicPlanAdmits60ThenAnswers429WithRetryAfter) {
  const std::string key = server.make_key("basic-org", "basic", "1", kDefault);
  for (int i = 1; i <= 60; ++i) {
    auto r = get("/api/external/credits", key);
    ASSERT_EQ(r.status, 200) << "request " << i;
    EXPECT_EQ(r.header("X-RateLimit-Remaining"), std::to_string(60 - i));
  }
  auto r = get("/api/external/credits", key);
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.header("Retry-After"), "1");
  EXPECT_EQ(r.body,
            R"({"error":"rate_limit_exceeded","code":"RATE_LIMIT_EXCEEDED","message":"Rate limit exceeded. Try again in 1 seconds.","details":{"limit":60,"window":"minute","retry_after":1}})");
  EXPECT_EQ(r.header("X-RateLimit-Remaining"), "0");
  // The bucket refills continuously: one second later one more request passes.
  clock.advance(1.0);
  EXPECT_EQ(get("/api/external/credits", key).status, 200);
  EXPECT_EQ(get("/api/external/credits", key).status, 429);
}

TEST_F(ExternalApi, EveryAuthenticatedResponseCarriesTheNineHeaders) {
  const std::string key = server.make_key("hdr", "basic", "1", kDefault);
  auto r = get("/api/external/credits", key);
  ASSERT_EQ(r.status, 200);
  const long long now = static_cast<long long>(clock.unix_seconds());
  EXPECT_EQ(r.header("X-RateLimit-Limit"), "60");
  EXPECT_EQ(r.header("X-RateLimit-Remaining"), "59");
  EXPECT_EQ(r.header("X-RateLimit-Limit-Minute"), "60");
  EXPECT_EQ(r.header("X-RateLimit-Remaining-Minute"), "59");
  EXPECT_EQ(r.header("X-RateLimit-Limit-Hour"), "1000");
  EXPECT_EQ(r.header("X-RateLimit-Remaining-Hour"), "999");
  for (const char* h : {"X-RateLimit-Reset", "X-RateLimit-Reset-Minute", "X-RateLimit-Reset-Hour"}) {
    const long long reset = std::stoll(r.header(h));
    EXPECT_GE(reset, now) << h;
    EXPECT_LE(reset, now + 5) << h;
  }
  // Also on errors after authentication (a 404 from a handler, a 400 on a bad parameter).
  auto bad = get("/api/external/credits?limit=0", key);
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.body,
            R"({"detail":{"error":{"message":"limit must be an integer between 1 and 100","type":"validation_error","code":"invalid_parameter"}}})");
  EXPECT_EQ(bad.header("X-RateLimit-Remaining"), "58");
}

TEST_F(ExternalApi, ConcurrencyLimitIs429AndTheSlotIsReleased) {
  const std::string key = server.make_key("conc", "pro", "1", kDefault, 1000, 10000, 1);
  auto held = std::async(std::launch::async, [&] { return post("/api/external/test/gate", key, "{}"); });
  ASSERT_TRUE(routes.wait_entered(1));
  auto r = post("/api/external/test/billable", key, "{}");
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.header("Retry-After"), "1");
  EXPECT_EQ(r.body,
            R"({"error":"concurrency_limit_exceeded","code":"concurrency_limit_exceeded","message":"Too many concurrent requests. The limit for this key is 1.","details":{"limit":1,"retry_after":1}})");
  routes.open(server);
  EXPECT_EQ(held.get().status, 200);
  EXPECT_EQ(post("/api/external/test/billable", key, "{}").status, 200);
}

TEST_F(ExternalApi, InsufficientCreditsIs402WithRequiredAndAvailable) {
  const std::string key = server.make_key("poor", "pro", "0.0005", kDefault);
  auto r = post("/api/external/test/billable", key, "{}");
  EXPECT_EQ(r.status, 402);
  EXPECT_EQ(r.body,
            R"({"detail":{"error":{"message":"Insufficient credits: this request needs 0.002000 credits and 0.000500 are available","type":"payment_required","code":"insufficient_credits","required":"0.002000","available":"0.000500"}}})");
  EXPECT_EQ(routes.billable_calls.load(), 0);
}

TEST_F(ExternalApi, FiftyConcurrentBillableRequestsNeverOverspend) {
  const std::string key = server.make_key("race", "enterprise", "0.01", kDefault, 100000, 1000000, 100);
  std::vector<std::future<int>> calls;
  for (int i = 0; i < 50; ++i)
    calls.push_back(std::async(std::launch::async, [&] { return post("/api/external/test/billable", key, "{}").status; }));
  int ok = 0, refused = 0;
  for (auto& c : calls) {
    const int status = c.get();
    if (status == 200) ++ok;
    else if (status == 402) ++refused;
    else ADD_FAILURE() << "unexpected status " << status;
  }
  EXPECT_EQ(ok, 5);
  EXPECT_EQ(refused, 45);
  auto credits = boost::json::parse(get("/api/external/credits", key).body).as_object();
  EXPECT_EQ(credits["balance"].as_string(), "0.000000");
  EXPECT_EQ(credits["reserved"].as_string(), "0.000000");
  EXPECT_EQ(credits["total"].as_int64(), 6);  // the grant and five charges
  ASSERT_EQ(credits["transactions"].as_array().size(), 6u);
  for (const auto& t : credits["transactions"].as_array()) {
    const std::string after(t.as_object().at("balance_after").as_string());
    EXPECT_NE(after.front(), '-');
  }
}

TEST_F(ExternalApi, CreditsShowsBalancePlanReservedAndPagedLedger) {
  const std::string key = server.make_key("ledger", "pro", "1", kDefault);
  for (int i = 0; i < 3; ++i) ASSERT_EQ(post("/api/external/test/billable", key, "{}").status, 200);
  auto r = get("/api/external/credits?limit=2&offset=1", key);
  ASSERT_EQ(r.status, 200);
  auto o = boost::json::parse(r.body).as_object();
  EXPECT_EQ(o["balance"].as_string(), "0.994000");
  EXPECT_EQ(o["plan"].as_string(), "pro");
  EXPECT_EQ(o["reserved"].as_string(), "0.000000");
  EXPECT_EQ(o["total"].as_int64(), 4);
  EXPECT_EQ(o["limit"].as_int64(), 2);
  EXPECT_EQ(o["offset"].as_int64(), 1);
  auto& tx = o["transactions"].as_array();
  ASSERT_EQ(tx.size(), 2u);
  EXPECT_EQ(tx[0].as_object().at("type").as_string(), "charge");
  EXPECT_EQ(tx[0].as_object().at("amount").as_string(), "-0.002000");
  EXPECT_EQ(tx[0].as_object().at("balance_after").as_string(), "0.996000");
  EXPECT_EQ(tx[1].as_object().at("balance_after").as_string(), "0.998000");
}

TEST_F(ExternalApi, IdempotentReplayDoesTheWorkOnce) {
  const std::string key = server.make_key("idem", "pro", "1", kDefault);
  const Headers idem{{"Idempotency-Key", "order-42"}};
  auto first = post("/api/external/test/billable", key, R"({"q":1})", idem);
  ASSERT_EQ(first.status, 200);
  EXPECT_FALSE(first.has_header("Idempotent-Replayed"));
  auto again = post("/api/external/test/billable", key, R"({"q":1})", idem);
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(again.body, first.body);
  EXPECT_EQ(again.header("Idempotent-Replayed"), "true");
  EXPECT_EQ(routes.billable_calls.load(), 1);
  auto credits = boost::json::parse(get("/api/external/credits", key).body).as_object();
  EXPECT_EQ(credits["balance"].as_string(), "0.998000");  // charged once

  auto other = post("/api/external/test/billable", key, R"({"q":2})", idem);
  EXPECT_EQ(other.status, 422);
  EXPECT_EQ(other.body,
            R"({"detail":{"error":{"message":"This Idempotency-Key was already used with a different request body","type":"unprocessable_entity","code":"idempotency_key_reused"}}})");
  // Another organization may use the same key freely.
  const std::string stranger = server.make_key("other-org", "pro", "1", kDefault);
  EXPECT_FALSE(post("/api/external/test/billable", stranger, R"({"q":1})", idem).has_header("Idempotent-Replayed"));

  auto too_long = post("/api/external/test/billable", key, "{}", {{"Idempotency-Key", std::string(256, 'k')}});
  EXPECT_EQ(too_long.status, 400);
}

TEST_F(ExternalApi, ReplayWhileTheFirstRunsIs409) {
  const std::string key = server.make_key("inflight", "pro", "1", kDefault);
  const Headers idem{{"Idempotency-Key", "slow-1"}};
  auto first = std::async(std::launch::async, [&] { return post("/api/external/test/gate", key, "{}", idem); });
  ASSERT_TRUE(routes.wait_entered(1));
  auto second = post("/api/external/test/gate", key, "{}", idem);
  EXPECT_EQ(second.status, 409);
  EXPECT_EQ(second.body,
            R"({"detail":{"error":{"message":"A request with this Idempotency-Key is still being processed","type":"conflict","code":"request_in_progress"}}})");
  routes.open(server);
  EXPECT_EQ(first.get().status, 200);
  EXPECT_EQ(post("/api/external/test/gate", key, "{}", idem).header("Idempotent-Replayed"), "true");
}

TEST_F(ExternalApi, UnknownRouteWrongMethodAndInternalErrors) {
  const std::string key = server.bootstrap_key();
  auto nf = get("/api/external/nothing/here", key);
  EXPECT_EQ(nf.status, 404);
  EXPECT_EQ(nf.body,
            R"({"detail":{"error":{"message":"Not found: GET /api/external/nothing/here","type":"not_found","code":"not_found"}}})");
  auto wrong = http_call(server.port(), "DELETE", "/api/external/credits", {{"X-API-Key", key}});
  EXPECT_EQ(wrong.status, 405);
  EXPECT_EQ(wrong.header("Allow"), "GET");
  EXPECT_EQ(wrong.body,
            R"({"detail":{"error":{"message":"Method DELETE not allowed on /api/external/credits","type":"method_not_allowed","code":"method_not_allowed"}}})");
  auto boom = get("/api/external/test/boom", key);
  EXPECT_EQ(boom.status, 500);
  EXPECT_EQ(boom.body, R"({"detail":{"error":{"message":"Internal server error","type":"internal_error","code":"internal_error"}}})");
  EXPECT_EQ(boom.body.find("sqlite"), std::string::npos);
}

TEST_F(ExternalApi, OversizedBodyIs413BeforeItIsRead) {
  const std::string key = server.bootstrap_key();
  auto r = post("/api/external/test/billable", key, std::string(3 * 1024 * 1024, 'x'));
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(r.body,
            R"({"detail":{"error":{"message":"Request body exceeds the limit of 1048576 bytes","type":"payload_too_large","code":"payload_too_large"}}})");
  EXPECT_EQ(routes.billable_calls.load(), 0);
  EXPECT_EQ(http_call(server.port(), "GET", "/health").status, 200);
  // Early: a declared 3 MiB body is refused after its header, with nearly none of it sent.
  const auto start = std::chrono::steady_clock::now();
  const std::string early = raw_exchange(server.port(),
                                         "POST /api/external/test/billable HTTP/1.1\r\nHost: x\r\nX-API-Key: " + key +
                                             "\r\nContent-Length: 3145728\r\n\r\n" + std::string(1024, 'x'),
                                         5'000);
  EXPECT_EQ(early.rfind("HTTP/1.1 413", 0), 0u) << early;
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 4.0);
}

TEST_F(ExternalApi, RequestIdIsEchoedOrGenerated) {
  auto echoed = http_call(server.port(), "GET", "/health", {{"X-Request-Id", "client-abc-123"}});
  EXPECT_EQ(echoed.header("X-Request-Id"), "client-abc-123");
  auto replaced = http_call(server.port(), "GET", "/health", {{"X-Request-Id", "bad id\twith spaces"}});
  EXPECT_EQ(replaced.header("X-Request-Id").size(), 16u);
}
