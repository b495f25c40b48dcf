// Credits, idempotency and concurrency on the real billable routes (chat completions, uploads,
// agent invocations), with what earlier tests did not assert: the reservation is released on
// failure, a replay keeps its headers and its route, a record expires after 24 hours, the hour
// bucket has its own reset.
#include "fake_openai.hpp"
#include "harness.hpp"

#include "access/keys.hpp"
#include "knowledge/base64.hpp"

#include <gtest/gtest.h>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/json.hpp>

#include <poll.h>

using namespace agentd;
using namespace agentd::testing;
namespace json = boost::json;

namespace {

const std::vector<std::string> kScopes = {"orchestrator:invoke", "orchestrator:stream", "agents:list", "agents:invoke",
                                          "agents:write", "credits:read", "rag:upload", "rag:read"};

json::object parse(const std::string& body) { return json::parse(body).as_object(); }
std::string str(const json::value& v) { return std::string(v.as_string()); }

// Streams never end by themselves: the upstream holds them open until the client leaves.
struct HoldingUpstream {
  FakeOpenAI upstream{[](const json::object&, int) {
    FakeReply r;
    r.events = openai_stream({"still", "thinking"});
    r.hold_open = true;
    return r;
  }};
};

class Billing : protected HoldingUpstream, public ::testing::Test {
 protected:
  ManualClock clock{static_cast<double>(std::time(nullptr))};
  InProcessServer server{[this](Config& c) {
                           ProviderSettings p;
                           p.base_url = upstream.base_url();
                           c.providers["slow"] = p;
                         },
                         &clock};

  HttpResult call(const std::string& method, const std::string& target, const std::string& key,
                  const std::string& body = "", Headers extra = {}) {
    extra.emplace_back("X-API-Key", key);
    return http_call(server.port(), method, target, extra, body);
  }
  json::object credits(const std::string& key) { return parse(call("GET", "/api/external/credits?limit=100", key).body); }
  int charges(const std::string& key) {
    int n = 0;
    const auto c = credits(key);
    EXPECT_FALSE(c.at("transactions").as_array().empty());
    for (const auto& t : c.at("transactions").as_array()) n += t.at("type") == "charge";
    return n;
  }
  static std::string chat_body(const std::string& text) {
    return json::serialize(json::object{{"messages", json::array{{{"role", "user"}, {"content", text}}}}});
  }
};

}  // namespace

TEST_F(Billing, AFailedCompletionReleasesItsReservation) {
  // 0.003 covers one completion's reservation (0.0025...) but not two.
  const std::string key = server.make_key("tight", "pro", "0.003", kScopes);
  auto bad = call("POST", "/v1/chat/completions", key, R"({"messages":[{"role":"wizard","content":"hi"}]})");
  ASSERT_EQ(bad.status, 400) << bad.body;
  auto after_bad = credits(key);
  EXPECT_EQ(str(after_bad.at("reserved")), "0.000000");
  EXPECT_EQ(str(after_bad.at("balance")), "0.003000");
  auto ok = call("POST", "/v1/chat/completions", key, chat_body("hello"));
  EXPECT_EQ(ok.status, 200) << ok.body;
  auto after_ok = credits(key);
  EXPECT_EQ(str(after_ok.at("reserved")), "0.000000");
  EXPECT_LT(std::stod(str(after_ok.at("balance"))), 0.003);
}

TEST_F(Billing, TooLittleCreditIs402OnEveryBillableRoute) {
  const std::string key = server.make_key("poor", "pro", "0.0005", kScopes);
  auto chat = call("POST", "/v1/chat/completions", key, chat_body("hello"));
  EXPECT_EQ(chat.status, 402);
  EXPECT_EQ(parse(chat.body).at("detail").at("error").at("code"), "insufficient_credits");
  const std::string ds = str(parse(call("POST", "/api/external/rag/datastores", key, R"({"display_name":"D"})").body).at("datastore_id"));
  auto up = call("POST", "/api/external/rag/upload", key,
                 json::serialize(json::object{{"datastore_id", ds},
                                              {"files", json::array{{{"filename", "a.txt"}, {"content", knowledge::encode_base64("hi")}}}}}));
  EXPECT_EQ(up.status, 402);
  auto invoked = call("POST", "/v1/agents/agent_000000000000/messages", key, R"({"text":"hi"})",
                      {{"Authorization", "Bearer " + key}});
  EXPECT_EQ(invoked.status, 402);
  EXPECT_EQ(parse(invoked.body).at("error").at("code"), "INSUFFICIENT_QUOTA");
  auto c = credits(key);
  EXPECT_EQ(str(c.at("balance")), "0.000500");
  EXPECT_EQ(str(c.at("reserved")), "0.000000");
}

TEST_F(Billing, AReplayedCompletionIsTheFirstAnswerWithItsHeadersAndIsBilledOnce) {
  const std::string key = server.make_key("idem", "pro", "10", kScopes);
  const Headers idem{{"Idempotency-Key", "turn-1"}};
  auto first = call("POST", "/v1/chat/completions", key, chat_body("hello"), idem);
  ASSERT_EQ(first.status, 200);
  const std::string session = first.header("X-Session-Id");
  ASSERT_FALSE(session.empty());
  auto again = call("POST", "/v1/chat/completions", key, chat_body("hello"), idem);
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(again.body, first.body);
  EXPECT_EQ(again.header("Idempotent-Replayed"), "true");
  EXPECT_EQ(again.header("X-Session-Id"), session);
  EXPECT_FALSE(again.header("X-RateLimit-Remaining").empty());
  EXPECT_NE(again.header("X-Request-Id"), first.header("X-Request-Id"));
  EXPECT_EQ(charges(key), 1);

  // The same key on another route is another record: that route does its own work.
  auto other = call("POST", "/api/external/v1/chat/completions", key, chat_body("hello"), idem);
  EXPECT_EQ(other.status, 200);
  EXPECT_TRUE(other.header("Idempotent-Replayed").empty());
  EXPECT_NE(other.header("X-Session-Id"), session);
  EXPECT_EQ(charges(key), 2);

  // After 24 hours the key is forgotten.
  clock.advance(24 * 3600 + 1);
  auto later = call("POST", "/v1/chat/completions", key, chat_body("hello"), idem);
  EXPECT_EQ(later.status, 200);
  EXPECT_TRUE(later.header("Idempotent-Replayed").empty());
  EXPECT_NE(later.header("X-Session-Id"), session);
  EXPECT_EQ(charges(key), 3);
}

TEST_F(Billing, AStreamHoldsItsConcurrencySlotUntilTheClientLeaves) {
  const std::string key = server.make_key("conc", "pro", "10", kScopes, 1000, 10000, 1);
  const std::string agent = str(parse(call("POST", "/api/external/agents", key, R"({"name":"Slow","model":"slow/m"})").body).at("agent_id"));
  call("POST", "/api/external/agents", key, R"({"name":"Fast"})");
  const std::string fast = R"({"model":"fast","messages":[{"role":"user","content":"hello"}]})";
  const std::string body = R"({"stream":true,"messages":[{"role":"user","content":"hi"}]})";
  namespace net = boost::asio;
  net::io_context ioc;
  net::ip::tcp::socket stream(ioc);
  stream.connect({net::ip::make_address("127.0.0.1"), server.port()});
  net::write(stream, net::buffer("POST /api/external/agents/" + agent + "/completions HTTP/1.1\r\nHost: x\r\nX-API-Key: " + key +
                                 "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body));
  std::string got;
  char buf[4096];
  pollfd p{stream.native_handle(), POLLIN, 0};
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (got.find("thinking") == std::string::npos && std::chrono::steady_clock::now() < deadline)
    if (::poll(&p, 1, 100) > 0) {
      const ssize_t n = ::read(stream.native_handle(), buf, sizeof buf);
      if (n <= 0) break;
      got.append(buf, static_cast<std::size_t>(n));
    }
  ASSERT_NE(got.find("thinking"), std::string::npos) << got;
  auto refused = call("POST", "/v1/chat/completions", key, fast);
  EXPECT_EQ(refused.status, 429);
  EXPECT_EQ(parse(refused.body).at("code"), "concurrency_limit_exceeded");
  stream.close();
  int status = 0;
  const auto free_by = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (status != 200 && std::chrono::steady_clock::now() < free_by)
    status = call("POST", "/v1/chat/completions", key, fast).status;
  EXPECT_EQ(status, 200);
  EXPECT_EQ(str(credits(key).at("reserved")), "0.000000");
}

TEST_F(Billing, TheHourBucketHasItsOwnReset) {
  const std::string key = server.make_key("hours", "pro", "10", kScopes, 60, 100);
  auto r = call("GET", "/api/external/credits", key);
  const long minute = std::stol(r.header("X-RateLimit-Reset-Minute"));
  const long hour = std::stol(r.header("X-RateLimit-Reset-Hour"));
  // One token back: a second for the minute bucket (60/min), 36 s for the hour bucket (100/h).
  EXPECT_GE(hour - minute, 30) << minute << " " << hour;
  EXPECT_EQ(r.header("X-RateLimit-Reset"), r.header("X-RateLimit-Reset-Minute"));
  EXPECT_EQ(r.header("X-RateLimit-Limit-Hour"), "100");
  EXPECT_EQ(r.header("X-RateLimit-Remaining-Hour"), "99");
}
