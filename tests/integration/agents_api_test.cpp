// The Agents API at /v1 (API.md 6, seed 004) on the real server: the seed's SDK flow, every
// error body of its table byte for byte, paging and sorting edges, streaming, the same agent in
// every dialect, isolation, scopes and idempotent replay.
#include "fake_openai.hpp"
#include "harness.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

using namespace agentd;
using namespace agentd::testing;
namespace json = boost::json;

namespace {

const std::vector<std::string> kAgentScopes = {"agents:list", "agents:write", "agents:invoke", "sessions:messages"};


// The upstream is built before the server that is configured with its address: "openai" is a
// configured provider whose model fails.
struct Upstream {
  FakeOpenAI upstream{[](const json::object&, int) {
    FakeReply r;
    r.status = 400;
    r.body = R"({"error":{"message":"bad model"}})";
    return r;
  }};
};

class AgentsApi : protected Upstream, public ::testing::Test {
 protected:
  InProcessServer server{[this](Config& c) {
                            ProviderSettings p;
                            p.base_url = upstream.base_url();
                            p.retry_backoff_ms = 1;
                            c.providers["openai"] = p;
                          },
                          nullptr, [](App& app) {
                            // A route of this dialect that fails unexpectedly (the seed's 500).
                            app.dispatcher.add({.method = http::bhttp::verb::get, .pattern = "/v1/test/boom",
                                                .dialect = &app.dispatcher.dialects().owner("/v1"), .scope = "agents:list",
                                                .handler = [](api::RequestContext&) -> boost::asio::awaitable<http::Response> {
                                                  throw std::runtime_error("sqlite3.c:1234 secret internals");
                                                  co_return http::make_response(200, "");
                                                }});
                          }};
  std::string key = server.make_key("acme", "pro", "10", kAgentScopes);

  HttpResult call(const std::string& method, const std::string& target, const std::string& body = "",
                  const std::string& as = "", Headers extra = {}) {
    extra.emplace_back("Authorization", "Bearer " + (as.empty() ? key : as));
    return http_call(server.port(), method, target, extra, body);
  }
  json::object create(const json::object& fields, const std::string& as = "") {
    auto r = call("POST", "/v1/agents", json::serialize(fields), as);
    EXPECT_EQ(r.status, 201) << r.body;
    return r.status == 201 ? body_json(r.body).at("data").as_object() : json::object{};
  }
  std::string create_id(const json::object& fields, const std::string& as = "") {
    return std::string(create(fields, as).at("id").as_string());
  }
  json::object message(const std::string& id, const json::object& body, int expect = 200) {
    auto r = call("POST", "/v1/agents/" + id + "/messages", json::serialize(body));
    EXPECT_EQ(r.status, expect) << r.body;
    return body_json(r.body);
  }
};

// The text of the `token` events and the last event of a stream.
std::pair<std::string, json::object> tokens_of(const std::string& body) {
  std::string text;
  json::object last;
  std::size_t pos = 0;
  while ((pos = body.find("data: ", pos)) != std::string::npos) {
    const auto end = body.find("\n\n", pos);
    last = body_json(body.substr(pos + 6, end - pos - 6));
    if (last.at("type") == "token") text += last.at("content").as_string();
    pos = end;
  }
  return {text, last};
}

}  // namespace

TEST_F(AgentsApi, TheSeedsSdkFlowWorks) {
  // orion.agents.create({name, personality: {traits}})
  auto r = call("POST", "/v1/agents", R"({"name":"MyAgent","personality":{"traits":["helpful","friendly"]}})", "",
                {{"Content-Type", "application/json"}});
  ASSERT_EQ(r.status, 201) << r.body;
  auto created = body_json(r.body);
  EXPECT_TRUE(created.at("success").as_bool());
  const auto& data = created.at("data").as_object();
  EXPECT_EQ(data.size(), 5u);
  const std::string id(data.at("id").as_string());
  EXPECT_EQ(id.rfind("agent_", 0), 0u);
  EXPECT_EQ(id.size(), 18u);
  EXPECT_EQ(data.at("name"), "MyAgent");
  EXPECT_EQ(data.at("status"), "active");
  const std::string endpoint = text_of(data.at("apiEndpoint"));
  EXPECT_EQ(endpoint.rfind("http://127.0.0.1", 0), 0u) << endpoint;  // the Host the client used
  EXPECT_EQ(endpoint.substr(endpoint.find("/v1/")), "/v1/agents/" + id + "/messages");
  double created_at = 0;
  EXPECT_TRUE(parse_iso8601(std::string(data.at("createdAt").as_string()), created_at));

  // orion.agents.sendMessage(agent.id, {text, userId}); response.data.response
  auto sent = message(id, {{"text", "Hello!"}, {"userId", "user_123"}});
  EXPECT_TRUE(sent.at("success").as_bool());
  const auto& reply = sent.at("data").as_object();
  EXPECT_EQ(reply.at("response").as_string(), "Hello! I am MyAgent. Ask me anything my knowledge sources cover.");
  EXPECT_EQ(text_of(reply.at("agentId")), id);
  EXPECT_EQ(reply.at("userId"), "user_123");
  EXPECT_EQ(reply.at("roomId").as_string().size(), 36u);
  EXPECT_EQ(reply.at("messageId").as_string().size(), 36u);
  EXPECT_GT(reply.at("metadata").at("tokensUsed").as_int64(), 0);
  EXPECT_GE(reply.at("metadata").at("responseTime").as_int64(), 0);
  EXPECT_EQ(reply.at("metadata").at("model"), "builtin");

  auto got = body_json(call("GET", "/v1/agents/" + id).body).at("data").as_object();
  EXPECT_EQ(got.at("personality").at("traits"), (json::array{"helpful", "friendly"}));
  for (const char* f : {"bio", "knowledge", "goals", "clients", "settings", "modelProvider", "model", "modelSettings",
                        "plugins", "status", "createdAt", "updatedAt", "metrics"})
    EXPECT_TRUE(got.contains(f)) << f;
  EXPECT_EQ(got.at("metrics").at("totalMessages").as_int64(), 1);
  EXPECT_EQ(got.at("metrics").at("totalConversations").as_int64(), 1);
}

TEST_F(AgentsApi, EveryErrorOfTheSeedsTableInItsEnvelope) {
  const std::string id = create_id({{"name", "Helper"}});
  auto none = http_call(server.port(), "GET", "/v1/agents");
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(none.body, R"({"success":false,"error":{"code":"UNAUTHORIZED","message":"API key required","details":{}}})");
  EXPECT_EQ(none.header("WWW-Authenticate"), "Bearer");
  auto bad = call("GET", "/v1/agents", "", "agd_live_00000000000000000000000000000000");
  EXPECT_EQ(bad.status, 401);
  EXPECT_EQ(bad.body, R"({"success":false,"error":{"code":"UNAUTHORIZED","message":"Invalid API key","details":{}}})");

  auto missing = call("POST", "/v1/agents", "{}");
  EXPECT_EQ(missing.status, 400);
  EXPECT_EQ(missing.body,
            R"({"success":false,"error":{"code":"INVALID_REQUEST","message":"name is required","details":{"field":"name","reason":"Field is required"}}})");
  auto provider = call("POST", "/v1/agents", R"({"name":"X","modelProvider":"acme-ai"})");
  EXPECT_EQ(provider.status, 400);
  EXPECT_EQ(provider.body,
            R"({"success":false,"error":{"code":"INVALID_REQUEST","message":"modelProvider must be one of builtin, openai, anthropic, google-genai, ollama","details":{"field":"modelProvider","reason":"Must be one of builtin, openai, anthropic, google-genai, ollama"}}})");
  auto not_json = call("POST", "/v1/agents", "{oops");
  EXPECT_EQ(not_json.body, R"({"success":false,"error":{"code":"INVALID_REQUEST","message":"Request body must be a JSON object","details":{}}})");

  auto unknown = call("GET", "/v1/agents/agent_000000000000");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.body,
            R"({"success":false,"error":{"code":"AGENT_NOT_FOUND","message":"Agent not found: agent_000000000000","details":{}}})");
  auto route = call("GET", "/v1/nothing");
  EXPECT_EQ(route.status, 404);
  EXPECT_EQ(route.body, R"({"success":false,"error":{"code":"NOT_FOUND","message":"Not found: GET /v1/nothing","details":{}}})");
  auto boom = call("GET", "/v1/test/boom");
  EXPECT_EQ(boom.status, 500);
  EXPECT_EQ(boom.body, R"({"success":false,"error":{"code":"INTERNAL_ERROR","message":"Internal server error","details":{}}})");
  auto method = call("PUT", "/v1/agents/" + id);
  EXPECT_EQ(method.status, 405);
  EXPECT_EQ(method.header("Allow"), "GET, PATCH, DELETE");

  auto empty = call("POST", "/v1/agents/" + id + "/messages", R"({"text":"  "})");
  EXPECT_EQ(empty.status, 400);
  EXPECT_EQ(empty.body, R"({"success":false,"error":{"code":"INVALID_MESSAGE","message":"Message text must not be empty","details":{}}})");
  auto no_text = call("POST", "/v1/agents/" + id + "/messages", R"({"userId":"u"})");
  EXPECT_EQ(no_text.body, R"({"success":false,"error":{"code":"INVALID_MESSAGE","message":"text is required","details":{}}})");

  // A protected agent (set through the External API: the same record).
  const std::string external_key = server.make_key("acme", "pro", "0", {"agents:write"});
  auto prot = http_call(server.port(), "PATCH", "/api/external/agents/" + id, {{"X-API-Key", external_key}}, R"({"protected":true})");
  ASSERT_EQ(prot.status, 200) << prot.body;
  auto del = call("DELETE", "/v1/agents/" + id);
  EXPECT_EQ(del.status, 403);
  EXPECT_EQ(del.body,
            R"({"success":false,"error":{"code":"DELETE_PROTECTED","message":"Agent 'Helper' is protected and cannot be deleted","details":{}}})");

  auto scope = call("POST", "/v1/agents", R"({"name":"Y"})", server.make_key("acme", "pro", "0", {"agents:list"}));
  EXPECT_EQ(scope.status, 403);
  EXPECT_EQ(body_json(scope.body).at("error").at("code"), "FORBIDDEN");
  EXPECT_EQ(body_json(scope.body).at("error").at("details").at("missing_scopes"), (json::array{"agents:write"}));

  // An inactive agent, and one whose provider is not configured.
  auto off = call("PATCH", "/v1/agents/" + id, R"({"status":"inactive"})");
  ASSERT_EQ(off.status, 200) << off.body;
  auto inactive = call("POST", "/v1/agents/" + id + "/messages", R"({"text":"hi"})");
  EXPECT_EQ(inactive.status, 503);
  EXPECT_EQ(inactive.body,
            R"({"success":false,"error":{"code":"AGENT_UNAVAILABLE","message":"Agent is not active: )" + id + R"(","details":{}}})");
  const std::string claude = create_id({{"name", "Claude"}, {"modelProvider", "anthropic"}});
  auto unconfigured = call("POST", "/v1/agents/" + claude + "/messages", R"({"text":"hi"})");
  EXPECT_EQ(unconfigured.status, 503);
  EXPECT_EQ(unconfigured.body,
            R"({"success":false,"error":{"code":"AGENT_UNAVAILABLE","message":"Agent 'Claude' is unavailable: its model provider 'anthropic' is not configured on this server","details":{}}})");
  // A configured provider whose upstream fails.
  const std::string gpt = create_id({{"name", "Gpt"}, {"modelProvider", "openai"}, {"model", "gpt-test"}});
  auto failing = call("POST", "/v1/agents/" + gpt + "/messages", R"({"text":"hi"})");
  EXPECT_EQ(failing.status, 502);
  EXPECT_EQ(failing.body,
            R"({"success":false,"error":{"code":"MODEL_ERROR","message":"Model provider 'openai' failed: HTTP 400: bad model","details":{}}})");
}

TEST_F(AgentsApi, RateLimitsAndQuotaInTheSeedsShape) {
  const std::string limited = server.make_key("acme", "pro", "10", kAgentScopes, 2);
  EXPECT_EQ(call("GET", "/v1/agents", "", limited).status, 200);
  auto ok = call("GET", "/v1/agents", "", limited);
  EXPECT_EQ(ok.header("X-RateLimit-Limit"), "2");
  EXPECT_EQ(ok.header("X-RateLimit-Remaining"), "0");
  auto over = call("GET", "/v1/agents", "", limited);
  EXPECT_EQ(over.status, 429);
  const auto body = body_json(over.body);
  EXPECT_EQ(body.at("error").at("code"), "RATE_LIMIT_EXCEEDED");
  const auto retry = body.at("error").at("details").at("retryAfter");
  ASSERT_TRUE(retry.is_int64());
  EXPECT_EQ(std::to_string(retry.as_int64()), over.header("Retry-After"));
  EXPECT_EQ(text_of(body.at("error").at("message")), "Rate limit exceeded. Try again in " + over.header("Retry-After") + " seconds.");
  EXPECT_FALSE(over.header("X-RateLimit-Reset").empty());

  const std::string broke = server.make_key("poor", "pro", "0", kAgentScopes);
  const std::string id = create_id({{"name", "Helper"}}, broke);
  auto quota = call("POST", "/v1/agents/" + id + "/messages", R"({"text":"hi"})", broke);
  EXPECT_EQ(quota.status, 402);
  const auto q = body_json(quota.body);
  EXPECT_EQ(q.at("error").at("code"), "INSUFFICIENT_QUOTA");
  EXPECT_TRUE(q.at("error").at("details").is_object());
}

TEST_F(AgentsApi, PagingAndSortingEdges) {
  for (const char* name : {"Charlie", "alpha", "Bravo"}) create({{"name", name}});
  auto list = [&](const std::string& query) { return call("GET", "/v1/agents" + query); };
  for (const char* bad : {"?limit=0", "?limit=101", "?page=0", "?page=-1", "?sortBy=size", "?order=up", "?status=sleeping"}) {
    auto r = list(bad);
    EXPECT_EQ(r.status, 400) << bad;
    EXPECT_EQ(body_json(r.body).at("error").at("code"), "INVALID_REQUEST") << bad;
    EXPECT_TRUE(body_json(r.body).at("error").at("details").at("field").is_string()) << bad;
  }
  auto page = body_json(list("?page=2&limit=2&sortBy=name&order=asc").body).at("data").as_object();
  EXPECT_EQ(page.at("pagination"), (json::object{{"currentPage", 2}, {"totalPages", 2}, {"totalItems", 3}, {"itemsPerPage", 2}}));
  ASSERT_EQ(page.at("items").as_array().size(), 1u);
  EXPECT_EQ(page.at("items").at(0).at("name"), "Charlie");
  EXPECT_EQ(page.at("agents"), page.at("items"));
  auto desc = body_json(list("?sortBy=name&order=desc").body).at("data").at("items").as_array();
  ASSERT_EQ(desc.size(), 3u);
  EXPECT_EQ(desc[0].at("name"), "Charlie");
  EXPECT_EQ(desc[2].at("name"), "alpha");
  auto defaults = body_json(list("").body).at("data").as_object();
  EXPECT_EQ(defaults.at("pagination").at("itemsPerPage").as_int64(), 20);
  EXPECT_EQ(defaults.at("items").at(0).at("name"), "Bravo");  // newest first
  auto beyond = body_json(list("?page=9").body).at("data").as_object();
  EXPECT_TRUE(beyond.at("items").as_array().empty());
  call("PATCH", "/v1/agents/" + std::string(desc[1].at("id").as_string()), R"({"status":"inactive"})");
  auto inactive = body_json(list("?status=inactive").body).at("data").at("items").as_array();
  ASSERT_EQ(inactive.size(), 1u);
  EXPECT_EQ(inactive[0].at("name"), "Bravo");
  auto by_status = body_json(list("?sortBy=status&order=asc").body).at("data").at("items").as_array();
  EXPECT_EQ(by_status.back().at("status"), "inactive");
}

TEST_F(AgentsApi, PartialUpdatesListWhatChanged) {
  const std::string id = create_id({{"name", "Helper"}, {"bio", json::array{"I help."}}});
  auto r = call("PATCH", "/v1/agents/" + id,
                R"({"bio":["I help.","Politely."],"modelSettings":{"temperature":0.5,"topP":0.9},"plugins":[{"name":"web"}]})");
  ASSERT_EQ(r.status, 200) << r.body;
  auto data = body_json(r.body).at("data").as_object();
  EXPECT_EQ(data.at("changes"), (json::array{"bio", "modelSettings", "plugins"}));
  EXPECT_EQ(data.at("bio"), (json::array{"I help.", "Politely."}));
  EXPECT_EQ(data.at("modelSettings").at("temperature").as_double(), 0.5);
  EXPECT_EQ(data.at("plugins"), (json::array{{{"name", "web"}, {"enabled", true}, {"config", json::object{}}}}));
  auto again = body_json(call("PATCH", "/v1/agents/" + id, R"({"modelSettings":{"maxTokens":200}})").body).at("data").as_object();
  EXPECT_EQ(again.at("changes"), (json::array{"modelSettings"}));
  EXPECT_EQ(again.at("modelSettings").at("topP").as_double(), 0.9);
  EXPECT_EQ(again.at("modelSettings").at("maxTokens").as_int64(), 200);
  auto same = body_json(call("PATCH", "/v1/agents/" + id, R"({"name":"Helper"})").body).at("data").as_object();
  EXPECT_TRUE(same.at("changes").as_array().empty());
  auto bad = call("PATCH", "/v1/agents/" + id, R"({"modelSettings":{"temperature":3}})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(body_json(bad.body).at("error").at("details").at("field"), "modelSettings.temperature");
  auto deleted = call("DELETE", "/v1/agents/" + id);
  ASSERT_EQ(deleted.status, 200);
  auto d = body_json(deleted.body).at("data").as_object();
  EXPECT_EQ(text_of(d.at("id")), id);
  EXPECT_EQ(d.at("name"), "Helper");
  EXPECT_EQ(d.at("message"), "Agent successfully deleted");
  EXPECT_TRUE(d.at("deletedAt").is_string());
  EXPECT_EQ(call("GET", "/v1/agents/" + id).status, 404);
}

TEST_F(AgentsApi, StreamedTokensEqualThePlainReplyAndRoomsContinue) {
  const std::string id = create_id({{"name", "Support"}, {"knowledge", json::array{"Refunds are paid within 30 days."}}});
  auto plain = message(id, {{"text", "When are refunds paid?"}});
  const std::string reply(plain.at("data").at("response").as_string());
  EXPECT_EQ(reply, "Refunds are paid within 30 days.");
  for (const std::string& route : {std::string("/messages"), std::string("/messages/stream")}) {
    const std::string body = route == "/messages" ? R"({"text":"When are refunds paid?","stream":true})"
                                                  : R"({"text":"When are refunds paid?"})";
    auto r = call("POST", "/v1/agents/" + id + route, body);
    ASSERT_EQ(r.status, 200) << route;
    EXPECT_EQ(r.header("Content-Type"), "text/event-stream");
    EXPECT_FALSE(r.header("X-RateLimit-Remaining").empty());
    auto [text, done] = tokens_of(r.body);
    EXPECT_EQ(text, reply) << route;
    EXPECT_EQ(done.at("type"), "done");
    EXPECT_EQ(done.at("messageId").as_string().size(), 36u);
    EXPECT_GT(done.at("metadata").at("tokensUsed").as_int64(), 0);
  }
  // A roomId continues the conversation; one nobody used starts a new one under that id.
  const std::string room(plain.at("data").at("roomId").as_string());
  auto follow = message(id, {{"text", "And what did I ask?"}, {"roomId", room}});
  EXPECT_EQ(text_of(follow.at("data").at("roomId")), room);
  auto history = body_json(http_call(server.port(), "GET", "/api/external/sessions/" + room + "/messages",
                                 {{"X-API-Key", key}}).body);
  EXPECT_EQ(history.at("total").as_int64(), 4);
  auto fresh = message(id, {{"text", "hi"}, {"roomId", "my-room-1"}});
  EXPECT_EQ(fresh.at("data").at("roomId"), "my-room-1");
  auto bad_room = call("POST", "/v1/agents/" + id + "/messages", R"({"text":"hi","roomId":"a b"})");
  EXPECT_EQ(bad_room.status, 400);
  auto metrics = body_json(call("GET", "/v1/agents/" + id).body).at("data").at("metrics");
  EXPECT_EQ(metrics.at("totalMessages").as_int64(), 5);
  EXPECT_EQ(metrics.at("totalConversations").as_int64(), 4);
}

TEST_F(AgentsApi, OneAgentRecordForEveryDialect) {
  const std::string external_key = server.make_key("acme", "pro", "0", {"agents:list", "agents:write"});
  const std::string id = create_id({{"name", "Support Bot"}, {"bio", json::array{"Answers questions."}}});
  auto ext = body_json(http_call(server.port(), "GET", "/api/external/agents", {{"X-API-Key", external_key}}).body);
  ASSERT_EQ(ext.at("total").as_int64(), 1);
  EXPECT_EQ(text_of(ext.at("agents").at(0).at("agent_id")), id);
  EXPECT_EQ(ext.at("agents").at(0).at("description"), "Answers questions.");
  auto models = body_json(http_call(server.port(), "GET", "/v1/models", {{"X-API-Key", external_key}}).body);
  EXPECT_EQ(models.at("data").at(1).at("id"), "support-bot");
  // And the reverse: an External API agent, addressed here by its slug.
  auto made = http_call(server.port(), "POST", "/api/external/agents", {{"X-API-Key", external_key}},
                        R"({"name":"Writer","description":"Writes copy","model":"openai/gpt-4o"})");
  ASSERT_EQ(made.status, 200) << made.body;
  auto writer = body_json(call("GET", "/v1/agents/writer").body).at("data").as_object();
  EXPECT_EQ(writer.at("bio"), (json::array{"Writes copy"}));
  EXPECT_EQ(writer.at("modelProvider"), "openai");
  EXPECT_EQ(writer.at("model"), "gpt-4o");
  EXPECT_EQ(writer.at("id"), body_json(made.body).at("agent_id"));
}

TEST_F(AgentsApi, AnotherOrganizationsAgentIsNotFoundByAnyIdOnAnyRoute) {
  const std::string theirs = server.make_key("other", "pro", "10", kAgentScopes);
  auto made = create({{"name", "Secret Agent"}}, theirs);
  const std::string id(made.at("id").as_string());
  auto detail = body_json(call("GET", "/v1/agents/" + id, "", theirs).body).at("data").as_object();
  // Its uuid, as the External API shows it to its owner.
  const std::string external_key = server.make_key("other", "pro", "0", {"agents:write"});
  auto full = body_json(http_call(server.port(), "PATCH", "/api/external/agents/" + id, {{"X-API-Key", external_key}}, "{}").body);
  const std::string uuid = text_of(full.at("uuid"));
  for (const std::string& ref : {id, uuid, std::string("secret-agent")}) {
    for (const auto& [method, suffix, body] : std::vector<std::tuple<std::string, std::string, std::string>>{
             {"GET", "", ""}, {"PATCH", "", R"({"name":"Mine"})"}, {"DELETE", "", ""},
             {"POST", "/messages", R"({"text":"hi"})"}, {"POST", "/messages/stream", R"({"text":"hi"})"}}) {
      auto mine = call(method, "/v1/agents/" + ref + suffix, body);
      auto nobody = call(method, "/v1/agents/" + ref + "x" + suffix, body);
      EXPECT_EQ(mine.status, 404) << method << " " << ref << suffix;
      std::string expected = nobody.body;
      expected.replace(expected.find(ref + "x"), ref.size() + 1, ref);
      EXPECT_EQ(mine.body, expected) << method << " " << ref << suffix;
    }
  }
  // Still there and untouched for its owner.
  auto after = body_json(call("GET", "/v1/agents/" + id, "", theirs).body).at("data").as_object();
  EXPECT_EQ(after.at("name"), "Secret Agent");
  EXPECT_EQ(after.at("metrics").at("totalMessages").as_int64(), 0);
  EXPECT_EQ(after.at("updatedAt"), detail.at("updatedAt"));
}

TEST_F(AgentsApi, ScopesDecideReadsWritesAndMessages) {
  const std::string id = create_id({{"name", "Helper"}});
  const std::string reader = server.make_key("acme", "pro", "1", {"agents:list"});
  const std::string invoker = server.make_key("acme", "pro", "1", {"agents:invoke"});
  EXPECT_EQ(call("GET", "/v1/agents", "", reader).status, 200);
  EXPECT_EQ(call("GET", "/v1/agents/" + id, "", reader).status, 200);
  EXPECT_EQ(call("PATCH", "/v1/agents/" + id, R"({"name":"X"})", reader).status, 403);
  EXPECT_EQ(call("DELETE", "/v1/agents/" + id, "", reader).status, 403);
  EXPECT_EQ(call("POST", "/v1/agents/" + id + "/messages", R"({"text":"hi"})", reader).status, 403);
  EXPECT_EQ(call("GET", "/v1/agents", "", invoker).status, 403);
  EXPECT_EQ(call("POST", "/v1/agents/" + id + "/messages", R"({"text":"hi"})", invoker).status, 200);
}

TEST_F(AgentsApi, AnIdempotentMessageIsAnsweredAndBilledOnce) {
  const std::string id = create_id({{"name", "Helper"}});
  const std::string credits_key = server.make_key("acme", "pro", "0", {"credits:read"});
  auto balance = [&] {
    return std::string(body_json(http_call(server.port(), "GET", "/api/external/credits", {{"X-API-Key", credits_key}}).body)
                           .at("balance")
                           .as_string());
  };
  const std::string before = balance();
  const std::string body = R"({"text":"Hello!","userId":"u1"})";
  auto first = call("POST", "/v1/agents/" + id + "/messages", body, "", {{"Idempotency-Key", "msg-1"}});
  ASSERT_EQ(first.status, 200);
  const std::string after_first = balance();
  EXPECT_NE(after_first, before);
  auto second = call("POST", "/v1/agents/" + id + "/messages", body, "", {{"Idempotency-Key", "msg-1"}});
  EXPECT_EQ(second.status, 200);
  EXPECT_EQ(second.body, first.body);
  EXPECT_EQ(second.header("Idempotent-Replayed"), "true");
  EXPECT_EQ(balance(), after_first);
  auto reused = call("POST", "/v1/agents/" + id + "/messages", R"({"text":"other"})", "", {{"Idempotency-Key", "msg-1"}});
  EXPECT_EQ(reused.status, 422);
  EXPECT_EQ(body_json(reused.body).at("error").at("code"), "INVALID_REQUEST");
  EXPECT_EQ(body_json(call("GET", "/v1/agents/" + id).body).at("data").at("metrics").at("totalMessages").as_int64(), 1);
}
