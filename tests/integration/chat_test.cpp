// Chat completions (API.md 3.1, 3.2 invoke, 4), streaming, sessions (3.3), the orchestrator and
// agent types, the builtin model and the OpenAI-compatible provider against a loopback upstream.
#include "fake_openai.hpp"
#include "fixtures.hpp"
#include "harness.hpp"

#include "access/accounts.hpp"
#include "core/ids.hpp"
#include "knowledge/base64.hpp"

#include <gtest/gtest.h>

#include <poll.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/json.hpp>

#include <thread>

using namespace agentd;
using namespace agentd::testing;
namespace json = boost::json;
namespace net = boost::asio;

namespace {

json::object parse(const std::string& body) { return json::parse(body).as_object(); }

FakeReply reply(std::string body, int status = 200) {
  FakeReply f;
  f.status = status;
  f.body = std::move(body);
  return f;
}

// Server-Sent Events of a streamed answer: payloads of `data:` lines, and comment lines.
struct Events {
  std::vector<std::string> data;
  int pings = 0;
};
Events parse_events(const std::string& body) {
  Events e;
  std::size_t pos = 0;
  while (pos < body.size()) {
    auto end = body.find("\n\n", pos);
    if (end == std::string::npos) break;
    const std::string event = body.substr(pos, end - pos);
    if (event.rfind("data: ", 0) == 0) e.data.push_back(event.substr(6));
    else if (event == ": ping") ++e.pings;
    pos = end + 2;
  }
  return e;
}

// A streaming client that can hang up: sends the request, reads until `enough` says so, closes.
std::string read_stream_until(unsigned short port, const std::string& key, const std::string& body,
                              const std::function<bool(const std::string&)>& enough) {
  net::io_context ioc;
  net::ip::tcp::socket socket(ioc);
  socket.connect({net::ip::make_address("127.0.0.1"), port});
  const std::string request = "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key +
                              "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
                              "\r\n\r\n" + body;
  net::write(socket, net::buffer(request));
  std::string got;
  std::array<char, 4096> buf;
  // Its own deadline: a server that stops sending fails the test instead of hanging it.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  pollfd p{socket.native_handle(), POLLIN, 0};
  while (!enough(got) && std::chrono::steady_clock::now() < deadline) {
    if (::poll(&p, 1, 100) <= 0) continue;
    boost::system::error_code ec;
    const std::size_t n = socket.read_some(net::buffer(buf), ec);
    if (ec) break;
    got.append(buf.data(), n);
  }
  socket.close();
  return got;
}

int count_of(const std::string& text, const std::string& what) {
  int n = 0;
  for (auto pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1)) ++n;
  return n;
}

template <class F>
bool eventually(F done, int ms = 10'000) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // poll interval
  }
  return true;
}

const std::vector<std::string> kAll = {"orchestrator:invoke", "orchestrator:stream", "agents:list", "agents:invoke",
                                       "agents:write", "sessions:read", "sessions:messages", "credits:read",
                                       "rag:upload", "rag:read"};

class Chat : public ::testing::Test {
 protected:
  explicit Chat(std::function<void(Config&)> configure = {}) : server(std::move(configure)) {}

  InProcessServer server;
  std::string key = server.make_key("acme", "pro", "10", kAll);

  HttpResult call(const std::string& method, const std::string& target, const std::string& body = "",
                  const std::string& as = "") {
    return http_call(server.port(), method, target, {{"X-API-Key", as.empty() ? key : as}}, body);
  }
  HttpResult chat(json::object body, const std::string& as = "", const std::string& path = "/api/external/v1/chat/completions") {
    return call("POST", path, json::serialize(body), as);
  }
  static json::array user(const std::string& text) { return json::array{{{"role", "user"}, {"content", text}}}; }
  json::object agent(json::object fields) {
    auto r = call("POST", "/api/external/agents", json::serialize(fields));
    EXPECT_EQ(r.status, 200) << r.body;
    return parse(r.body);
  }
  // A datastore holding these files, indexed.
  std::string datastore(const std::string& name, const std::vector<std::pair<std::string, std::string>>& files) {
    auto r = call("POST", "/api/external/rag/datastores", json::serialize(json::object{{"display_name", name}}));
    const std::string ds(parse(r.body).at("datastore_id").as_string());
    json::array list;
    for (const auto& [filename, bytes] : files) list.push_back(json::object{{"filename", filename}, {"content", knowledge::encode_base64(bytes)}});
    r = call("POST", "/api/external/rag/upload", json::serialize(json::object{{"datastore_id", ds}, {"files", list}}));
    EXPECT_EQ(r.status, 200) << r.body;
    const auto answer = parse(r.body);
    for (const auto& u : answer.at("uploads").as_array()) {
      const std::string id(u.at("upload_id").as_string());
      EXPECT_TRUE(eventually([&] { return parse(call("GET", "/api/external/rag/uploads/" + id).body).at("status") == "completed"; }));
    }
    return ds;
  }
  std::string balance() { return std::string(parse(call("GET", "/api/external/credits").body).at("balance").as_string()); }
};

}  // namespace

TEST_F(Chat, GroundedAnswerCitesTheFileAndPage) {
  const std::string pdf = make_pdf({"Welcome to the handbook.", "Travel policy. Employees book trains for trips under 500 kilometres.",
                                    "Expense policy. Receipts are due within 14 days of travel."});
  const std::string ds = datastore("Handbook", {{"handbook.pdf", pdf}, {"other.txt", "The cafeteria opens at noon."}});
  const auto a = agent({{"name", "Policy Expert"}, {"description", "Answers questions about company policies"},
                        {"tools", json::array{"rag_search"}}, {"datastore_ids", json::array{ds}}});
  const std::string before = balance();

  auto r = chat({{"messages", user("When are expense receipts due?")}});
  ASSERT_EQ(r.status, 200) << r.body;
  const auto body = parse(r.body);
  // The response, field by field.
  EXPECT_EQ(std::string(body.at("id").as_string()).substr(0, 9), "chatcmpl-");
  EXPECT_EQ(body.at("object").as_string(), "chat.completion");
  EXPECT_TRUE(body.at("created").is_int64());
  EXPECT_EQ(body.at("model").as_string(), "orchestrator");
  const auto& choice = body.at("choices").as_array().at(0).as_object();
  EXPECT_EQ(choice.at("index").as_int64(), 0);
  EXPECT_EQ(choice.at("finish_reason").as_string(), "stop");
  EXPECT_EQ(choice.at("message").at("role").as_string(), "assistant");
  const std::string content(choice.at("message").at("content").as_string());
  EXPECT_NE(content.find("Receipts are due within 14 days of travel."), std::string::npos) << content;
  EXPECT_NE(content.find("[1]"), std::string::npos) << content;
  const auto& usage = body.at("usage").as_object();
  EXPECT_GT(usage.at("prompt_tokens").as_int64(), 0);
  EXPECT_GT(usage.at("completion_tokens").as_int64(), 0);
  EXPECT_EQ(usage.at("total_tokens").as_int64(), usage.at("prompt_tokens").as_int64() + usage.at("completion_tokens").as_int64());
  const std::string session(body.at("session_id").as_string());
  EXPECT_EQ(session.size(), 36u);
  EXPECT_EQ(r.header("X-Session-Id"), session);
  EXPECT_EQ(body.at("agent").at("id"), a.at("agent_id"));
  EXPECT_EQ(body.at("agent").at("name").as_string(), "Policy Expert");
  const auto& cites = body.at("citations").as_array();
  ASSERT_EQ(cites.size(), 1u);
  EXPECT_EQ(cites[0].at("index").as_int64(), 1);
  EXPECT_EQ(cites[0].at("datastore_id").as_string(), ds);
  EXPECT_EQ(cites[0].at("filename").as_string(), "handbook.pdf");
  EXPECT_EQ(cites[0].at("page").as_int64(), 3);
  EXPECT_EQ(cites[0].at("upload_id").as_string().size(), 36u);
  EXPECT_NE(cites[0].at("text").as_string().find("Receipts"), std::string::npos);
  EXPECT_TRUE(r.has_header("X-RateLimit-Remaining"));

  // Billed with the server's own count: 0.002 + 0.0005 per 1,000 tokens, rounded up.
  const std::int64_t tokens = usage.at("total_tokens").as_int64();
  const Micros cost = 2000 + (500 * tokens + 999) / 1000;
  EXPECT_EQ(*parse_credits(before) - *parse_credits(balance()), cost);

  // Honest when nothing is known.
  r = chat({{"model", a.at("agent_id")}, {"messages", user("What is the airspeed of a swallow?")}});
  EXPECT_EQ(parse(r.body).at("choices").at(0).at("message").at("content").as_string(),
            "I could not find anything about that in my knowledge sources.");
  EXPECT_TRUE(parse(r.body).at("citations").as_array().empty());
}

TEST_F(Chat, StreamedChunksAsOpenAISendsThem) {
  const std::string ds = datastore("Facts", {{"facts.md", "# Shipping\nShipping is free for orders above 50 euros.\n"}});
  agent({{"name", "Shop"}, {"tools", json::array{"rag_search"}}, {"datastore_ids", json::array{ds}}});
  const json::object question{{"messages", user("Is shipping free?")}};
  const std::string plain(parse(chat(question).body).at("choices").at(0).at("message").at("content").as_string());

  json::object streamed = question;
  streamed["stream"] = true;
  streamed["stream_options"] = {{"include_usage", true}};
  auto r = chat(streamed);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("Content-Type"), "text/event-stream");
  EXPECT_EQ(r.header("Transfer-Encoding"), "chunked");
  EXPECT_EQ(r.header("X-Session-Id").size(), 36u);
  EXPECT_TRUE(r.has_header("X-RateLimit-Remaining-Hour"));
  const Events ev = parse_events(r.body);
  ASSERT_GE(ev.data.size(), 5u);
  EXPECT_EQ(ev.data.back(), "[DONE]");
  const auto first = parse(ev.data[0]);
  const auto id = first.at("id");
  const auto created = first.at("created");
  EXPECT_EQ(first.at("object").as_string(), "chat.completion.chunk");
  EXPECT_EQ(first.at("session_id").as_string(), r.header("X-Session-Id"));
  EXPECT_EQ(first.at("choices").at(0).at("delta").at("role").as_string(), "assistant");
  std::string text;
  std::size_t i = 1;
  for (; i + 3 < ev.data.size(); ++i) {
    const auto c = parse(ev.data[i]);
    EXPECT_EQ(c.at("id"), id);
    EXPECT_EQ(c.at("created"), created);
    EXPECT_TRUE(c.at("choices").at(0).at("finish_reason").is_null());
    text += c.at("choices").at(0).at("delta").at("content").as_string();
  }
  EXPECT_EQ(text, plain);  // deterministic, word by word
  EXPECT_GT(i, 3u);
  const auto last = parse(ev.data[i]);
  EXPECT_TRUE(last.at("choices").at(0).at("delta").as_object().empty());
  EXPECT_EQ(last.at("choices").at(0).at("finish_reason").as_string(), "stop");
  EXPECT_EQ(last.at("citations").at(0).at("filename").as_string(), "facts.md");
  const auto usage = parse(ev.data[i + 1]);
  EXPECT_TRUE(usage.at("choices").as_array().empty());
  EXPECT_EQ(usage.at("id"), id);
  EXPECT_GT(usage.at("usage").at("completion_tokens").as_int64(), 0);
}

TEST_F(Chat, ScopesAgentsAndValidation) {
  agent({{"name", "Helper"}});
  agent({{"name", "Sleeper"}, {"is_active", false}});
  const std::string invoke_only = server.make_key("acme", "pro", "0", {"orchestrator:invoke"});
  // Streaming needs orchestrator:stream; naming an agent needs agents:invoke.
  auto r = chat({{"stream", true}, {"messages", user("hi")}}, invoke_only);
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.body, R"({"error":"insufficient_scopes","code":"scope_not_allowed","message":"API key does not have required permissions","required_scopes":["orchestrator:stream"],"missing_scopes":["orchestrator:stream"],"available_scopes":["orchestrator:invoke"]})");
  r = chat({{"model", "helper"}, {"messages", user("hi")}}, invoke_only);
  EXPECT_EQ(r.status, 403);
  EXPECT_NE(r.body.find(R"("missing_scopes":["agents:invoke"])"), std::string::npos) << r.body;
  // A model name that is no agent goes to the orchestrator.
  r = chat({{"model", "gpt-4o"}, {"messages", user("hi")}}, invoke_only);
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(parse(r.body).at("model").as_string(), "gpt-4o");

  r = chat({{"messages", user("hi")}}, "", "/api/external/agents/nobody/completions");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.body, R"({"detail":{"error":{"message":"Agent not found: nobody","type":"not_found","code":"agent_not_found"}}})");
  r = chat({{"messages", user("hi")}}, "", "/api/external/agents/sleeper/completions");
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(parse(r.body).at("detail").at("error").at("code").as_string(), "agent_inactive");
  r = chat({{"messages", user("hello there")}}, "", "/api/external/agents/helper/completions");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(parse(r.body).at("model").as_string(), "helper");
  EXPECT_EQ(parse(r.body).at("choices").at(0).at("message").at("content").as_string(),
            "Hello! I am Helper. Ask me anything my knowledge sources cover.");

  const std::string before = balance();
  for (const auto& [body, field] : std::vector<std::pair<std::string, std::string>>{
           {R"({})", "messages is required"},
           {R"({"messages":[]})", "messages must be a non-empty array"},
           {R"({"messages":[{"role":"robot","content":"x"}]})", "messages[0].role must be one of system, user, assistant, tool"},
           {R"({"messages":[{"role":"user","content":"x"}],"n":2})", "n must be 1: only one choice is supported"},
           {R"({"messages":[{"role":"user","content":"x"}],"temperature":3})", "temperature must be between 0 and 2"},
           {R"({"messages":[{"role":"user","content":[{"type":"image_url"}]}]})", "messages[0].content parts must be {\"type\":\"text\",\"text\":\"...\"}"},
           {R"({"messages":"hi"})", "messages must be a non-empty array"},
           {"{not json", "Request body must be a JSON object"}}) {
    r = call("POST", "/v1/chat/completions", body);
    EXPECT_EQ(r.status, 400) << body;
    EXPECT_EQ(parse(r.body).at("detail").at("error").at("message").as_string(), field) << body;
  }
  EXPECT_EQ(balance(), before);  // nothing billed for refused requests
  // Content as text parts is accepted.
  r = chat({{"messages", json::array{{{"role", "user"}, {"content", json::array{{{"type", "text"}, {"text", "hello"}}}}}}}});
  EXPECT_EQ(r.status, 200) << r.body;
}

TEST_F(Chat, SessionsContinuePageAndStayWithTheirOwner) {
  // A resent history is not stored twice; only new turns are.
  auto r = chat({{"messages", user("My name is Ada and I like trains.")}});
  const std::string session(parse(r.body).at("session_id").as_string());
  const auto answer = parse(r.body).at("choices").at(0).at("message");
  json::array again = user("My name is Ada and I like trains.");
  again.push_back({{"role", "assistant"}, {"content", answer.at("content")}});
  again.push_back({{"role", "user"}, {"content", "What do I like about trains?"}});
  r = chat({{"session_id", session}, {"messages", again}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(parse(r.body).at("session_id").as_string(), session);
  // The builtin model follows up from the session's history.
  EXPECT_EQ(parse(r.body).at("choices").at(0).at("message").at("content").as_string(),
            "Earlier in this conversation you said: \"My name is Ada and I like trains.\"");
  // elevenlabs_extra_body.conversation_id names the session too.
  r = chat({{"elevenlabs_extra_body", {{"conversation_id", session}}}, {"messages", user("thanks")}});
  EXPECT_EQ(parse(r.body).at("session_id").as_string(), session);

  auto messages = parse(call("GET", "/api/external/sessions/" + session + "/messages?page_size=4").body);
  EXPECT_EQ(messages.at("total").as_int64(), 6);
  EXPECT_EQ(messages.at("page_size").as_int64(), 4);
  EXPECT_TRUE(messages.at("has_next").as_bool());
  const auto& list = messages.at("messages").as_array();
  ASSERT_EQ(list.size(), 4u);
  EXPECT_EQ(list[0].at("role").as_string(), "user");
  EXPECT_EQ(list[0].at("content").as_string(), "My name is Ada and I like trains.");
  EXPECT_TRUE(list[0].at("agent_id").is_null());
  EXPECT_TRUE(list[0].at("usage").is_null());
  EXPECT_EQ(list[1].at("role").as_string(), "assistant");
  EXPECT_EQ(list[1].at("agent_id").as_string(), "orchestrator");
  EXPECT_GT(list[1].at("usage").at("total_tokens").as_int64(), 0);
  EXPECT_EQ(list[2].at("content").as_string(), "What do I like about trains?");
  EXPECT_EQ(list[3].at("content").as_string(), "Earlier in this conversation you said: \"My name is Ada and I like trains.\"");
  for (const char* f : {"message_id", "role", "content", "agent_id", "created_at", "usage", "citations"})
    EXPECT_TRUE(list[0].as_object().contains(f)) << f;
  messages = parse(call("GET", "/api/external/sessions/" + session + "/messages?page=2&page_size=4").body);
  EXPECT_EQ(messages.at("messages").as_array().size(), 2u);
  EXPECT_FALSE(messages.at("has_next").as_bool());

  // Newest first.
  const std::string second(parse(chat({{"messages", user("second")}}).body).at("session_id").as_string());
  const std::string third(parse(chat({{"messages", user("third")}}).body).at("session_id").as_string());
  auto sessions = parse(call("GET", "/api/external/sessions?page_size=2").body);
  EXPECT_EQ(sessions.at("total").as_int64(), 3);
  EXPECT_TRUE(sessions.at("has_next").as_bool());
  EXPECT_EQ(sessions.at("sessions").at(0).at("session_id").as_string(), third);
  EXPECT_EQ(sessions.at("sessions").at(1).at("session_id").as_string(), second);
  const auto s0 = sessions.at("sessions").at(0).as_object();
  EXPECT_EQ(s0.at("title").as_string(), "third");
  EXPECT_EQ(s0.at("message_count").as_int64(), 2);
  EXPECT_TRUE(s0.at("is_active").as_bool());
  for (const char* f : {"session_id", "created_at", "last_update_time", "is_active", "message_count", "title", "agent_id"})
    EXPECT_TRUE(s0.contains(f)) << f;
  EXPECT_EQ(call("GET", "/api/external/sessions?page=0").status, 400);
  EXPECT_EQ(call("GET", "/api/external/sessions?page_size=101").status, 400);
  // Ordered by the last update, not by creation: the oldest session, continued, comes first.
  chat({{"session_id", session}, {"messages", user("one more thing")}});
  auto updated = parse(call("GET", "/api/external/sessions").body).at("sessions").as_array();
  ASSERT_EQ(updated.size(), 3u);
  EXPECT_EQ(updated[0].at("session_id").as_string(), session);
  EXPECT_EQ(updated[1].at("session_id").as_string(), third);
  EXPECT_EQ(updated[2].at("session_id").as_string(), second);
  auto status = parse(call("GET", "/api/external/sessions/" + session + "/status").body);
  EXPECT_EQ(status.at("status").as_string(), "idle");
  EXPECT_EQ(status.at("active_requests").as_int64(), 0);

  // Another organization, and another user of the same organization, see none of it; the same
  // id names a different session for them.
  const std::string other_org = server.make_key("globex", "pro", "10", kAll);
  const std::string colleague = server.app().store.write([](db::Conn& c) {
    c.exec("INSERT INTO users (name, created_at) VALUES ('colleague', '2026-01-01T00:00:00Z')");
    const auto user_id = c.last_insert_rowid();
    auto org = access::find_org(c, "acme");
    c.exec("INSERT INTO memberships (org_id, user_id, role) VALUES (" + std::to_string(org->id) + ", " + std::to_string(user_id) + ", 'member')");
    access::KeySpec spec;
    spec.scopes = {"orchestrator:invoke", "sessions:read", "sessions:messages"};
    const auto created = access::create_key(c, *org, spec);
    c.exec("UPDATE api_keys SET user_id = " + std::to_string(user_id) + " WHERE id = '" + created.id + "'");
    return created.secret;
  });
  for (const auto& stranger : {other_org, colleague}) {
    EXPECT_EQ(parse(call("GET", "/api/external/sessions", "", stranger).body).at("total").as_int64(), 0);
    r = call("GET", "/api/external/sessions/" + session + "/messages", "", stranger);
    EXPECT_EQ(r.status, 404);
    EXPECT_EQ(r.body, R"({"detail":{"error":{"message":"Session not found: )" + session + R"(","type":"not_found","code":"session_not_found"}}})");
    EXPECT_EQ(call("GET", "/api/external/sessions/" + session + "/status", "", stranger).status, 404);
    r = chat({{"session_id", session}, {"messages", user("What do I like?")}}, stranger);
    EXPECT_EQ(parse(r.body).at("choices").at(0).at("message").at("content").as_string(),
              "I don't know: nothing in what I know covers that.");
  }
  EXPECT_EQ(parse(call("GET", "/api/external/sessions/" + session + "/messages").body).at("total").as_int64(), 8);  // six, and the turn that moved it first
}

TEST_F(Chat, OrchestratorRoutesAndAgentTypesCompose) {
  const std::string ds = datastore("Tax", {{"tax.txt", "Home office costs are deductible up to 1260 euros per year."}});
  agent({{"name", "Poet"}, {"description", "Writes poems and haiku about nature"}});
  agent({{"name", "Tax Helper"}, {"description", "Explains income tax deductions"}, {"tools", json::array{"rag_search"}},
         {"datastore_ids", json::array{ds}}});
  auto r = chat({{"messages", user("Is my home office deductible from income tax?")}});
  EXPECT_EQ(parse(r.body).at("agent").at("name").as_string(), "Tax Helper");
  const std::string session(parse(r.body).at("session_id").as_string());
  r = chat({{"messages", user("Write a haiku about autumn leaves")}});
  EXPECT_EQ(parse(r.body).at("agent").at("name").as_string(), "Poet");
  // A follow-up that matches no profile stays with the session's agent.
  r = chat({{"session_id", session}, {"messages", user("and how much?")}});
  EXPECT_EQ(parse(r.body).at("agent").at("name").as_string(), "Tax Helper");
  EXPECT_NE(parse(r.body).at("choices").at(0).at("message").at("content").as_string().find("1260 euros"), std::string::npos);

  agent({{"name", "Panel"}, {"agent_type", "PARALLEL_AGENT"}, {"sub_agents", json::array{"poet", "tax-helper"}}});
  r = chat({{"messages", user("home office deductible?")}}, "", "/api/external/agents/panel/completions");
  ASSERT_EQ(r.status, 200) << r.body;
  const std::string joined(parse(r.body).at("choices").at(0).at("message").at("content").as_string());
  EXPECT_EQ(joined.find("**Poet**: "), 0u) << joined;
  EXPECT_NE(joined.find("\n\n**Tax Helper**: Home office costs are deductible up to 1260 euros per year. [1]"), std::string::npos) << joined;
  EXPECT_EQ(parse(r.body).at("citations").at(0).at("filename").as_string(), "tax.txt");

  // A sequence: the second step sees the first one's answer.
  agent({{"name", "Relay"}, {"agent_type", "SEQUENTIAL_AGENT"}, {"sub_agents", json::array{"tax-helper", "poet"}}});
  r = chat({{"messages", user("home office deductible?")}}, "", "/api/external/agents/relay/completions");
  EXPECT_EQ(parse(r.body).at("choices").at(0).at("message").at("content").as_string().find("Home office costs are deductible"), 0u) << r.body;
}

namespace {

// The upstream is built before the server that is configured with its address.
struct Upstream {
  std::function<FakeReply(const json::object&, int)> script = [](const json::object&, int) {
    return reply(openai_answer("upstream says hi"));
  };
  FakeOpenAI upstream{[this](const json::object& req, int n) { return script(req, n); }};
};

class ChatUpstream : protected Upstream, public Chat {
 protected:
  ChatUpstream()
      : Chat([this](Config& c) {
          ProviderSettings p;
          p.base_url = upstream.base_url();
          p.read_timeout_ms = 400;
          p.retry_backoff_ms = 1;
          c.providers["fake"] = p;
          p.read_timeout_ms = 60'000;  // only a cancellation ends its requests early
          c.providers["patient"] = p;
          c.http.sse_heartbeat_ms = 40;
        }) {}
};

}  // namespace

TEST_F(ChatUpstream, PlainStreamedAndRetried) {
  agent({{"name", "Remote"}, {"model", "fake/gpt-test"}, {"instruction", "Be brief."}, {"temperature", 0.3}});
  auto r = chat({{"model", "remote"}, {"max_tokens", 50}, {"messages", user("hello")}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(parse(r.body).at("choices").at(0).at("message").at("content").as_string(), "upstream says hi");
  const auto sent = upstream.requests().back();
  EXPECT_EQ(sent.at("model").as_string(), "gpt-test");
  EXPECT_EQ(sent.at("messages").at(0).at("role").as_string(), "system");
  EXPECT_EQ(sent.at("messages").at(0).at("content").as_string(), "Be brief.");
  EXPECT_EQ(sent.at("messages").at(1).at("content").as_string(), "hello");
  EXPECT_EQ(sent.at("max_tokens").as_int64(), 50);
  EXPECT_DOUBLE_EQ(sent.at("temperature").as_double(), 0.3);
  EXPECT_FALSE(sent.at("stream").as_bool());

  // Streamed through as it arrives.
  script = [](const json::object&, int) {
    FakeReply f;
    f.events = openai_stream({"one", " two", " three"});
    return f;
  };
  r = chat({{"model", "remote"}, {"stream", true}, {"messages", user("count")}});
  auto ev = parse_events(r.body);
  std::vector<std::string> deltas;
  for (std::size_t i = 1; i + 2 < ev.data.size(); ++i) deltas.emplace_back(parse(ev.data[i]).at("choices").at(0).at("delta").at("content").as_string());
  EXPECT_EQ(deltas, (std::vector<std::string>{"one", " two", " three"}));
  EXPECT_TRUE(upstream.requests().back().at("stream").as_bool());
  // An upstream that answers a streamed request with one JSON answer still streams to the client.
  script = [](const json::object&, int) { return reply(openai_answer("all at once")); };
  r = chat({{"model", "remote"}, {"stream", true}, {"messages", user("count")}});
  ev = parse_events(r.body);
  ASSERT_EQ(ev.data.size(), 4u) << r.body;
  EXPECT_EQ(parse(ev.data[1]).at("choices").at(0).at("delta").at("content").as_string(), "all at once");
  EXPECT_EQ(parse(ev.data[2]).at("choices").at(0).at("finish_reason").as_string(), "stop");

  // A 500, then success: retried before the first token.
  const int calls = upstream.calls();
  script = [calls](const json::object&, int n) {
    return n == calls + 1 ? reply("", 500) : reply(openai_answer("second time lucky"));
  };
  r = chat({{"model", "remote"}, {"messages", user("again")}});
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(parse(r.body).at("choices").at(0).at("message").at("content").as_string(), "second time lucky");
  EXPECT_EQ(upstream.calls(), calls + 2);

  // A client error is not retried and answers 502.
  script = [](const json::object&, int) { return reply(R"({"error":{"message":"bad model"}})", 400); };
  r = chat({{"model", "remote"}, {"messages", user("again")}});
  EXPECT_EQ(r.status, 502);
  EXPECT_EQ(r.body, R"({"detail":{"error":{"message":"Model provider 'fake' failed: HTTP 400: bad model","type":"upstream_error","code":"model_error"}}})");
}

TEST_F(ChatUpstream, HangTimesOutAndIsNotBilled) {
  agent({{"name", "Remote"}, {"model", "fake/gpt-test"}});
  script = [](const json::object&, int) {
    FakeReply f;
    f.hang = true;
    return f;
  };
  const std::string before = balance();
  auto r = chat({{"model", "remote"}, {"messages", user("hello")}});
  EXPECT_EQ(r.status, 502);
  EXPECT_EQ(r.body, R"({"detail":{"error":{"message":"Model provider 'fake' did not answer in time","type":"upstream_error","code":"model_timeout"}}})");
  EXPECT_EQ(upstream.calls(), 3);  // the first try and two retries
  EXPECT_EQ(balance(), before);
}

TEST_F(ChatUpstream, ToolCallsRunOnTheServerOrReturnToTheClient) {
  const std::string ds = datastore("Docs", {{"refunds.txt", "Refunds are paid within 30 days."}});
  agent({{"name", "Remote"}, {"model", "fake/gpt-test"}, {"tools", json::array{"rag_search"}}, {"datastore_ids", json::array{ds}}});
  script = [](const json::object& req, int) {
    const auto& msgs = req.at("messages").as_array();
    if (msgs.back().at("role") == "tool") return reply(openai_answer("Within 30 days [1]."));
    for (const auto& t : req.at("tools").as_array())
      if (t.at("function").at("name") == "get_weather") return reply(openai_answer("", {{"get_weather", R"({"city":"Oslo"})"}}));
    return reply(openai_answer("", {{"rag_search", R"({"query":"refund"})"}}));
  };
  auto r = chat({{"model", "remote"}, {"messages", user("When are refunds paid?")}});
  ASSERT_EQ(r.status, 200) << r.body;
  auto body = parse(r.body);
  EXPECT_EQ(body.at("choices").at(0).at("message").at("content").as_string(), "Within 30 days [1].");
  EXPECT_EQ(body.at("citations").at(0).at("filename").as_string(), "refunds.txt");
  const auto second = upstream.requests().back();
  const auto& tool_msg = second.at("messages").as_array().back().as_object();
  EXPECT_EQ(tool_msg.at("tool_call_id").as_string(), "call_up_0");
  EXPECT_NE(tool_msg.at("content").as_string().find("Refunds are paid within 30 days."), std::string::npos);
  EXPECT_EQ(second.at("tools").at(0).at("function").at("name").as_string(), "rag_search");

  // A tool the client declared goes back to the client.
  json::array tools{{{"type", "function"},
                     {"function", {{"name", "get_weather"}, {"parameters", {{"type", "object"}}}}}}};
  r = chat({{"model", "remote"}, {"tools", tools}, {"messages", user("Weather in Oslo?")}});
  body = parse(r.body);
  EXPECT_EQ(body.at("choices").at(0).at("finish_reason").as_string(), "tool_calls");
  const auto& msg = body.at("choices").at(0).at("message").as_object();
  EXPECT_TRUE(msg.at("content").is_null());
  EXPECT_EQ(msg.at("tool_calls").at(0).at("type").as_string(), "function");
  EXPECT_EQ(msg.at("tool_calls").at(0).at("function").at("name").as_string(), "get_weather");
  EXPECT_EQ(msg.at("tool_calls").at(0).at("function").at("arguments").as_string(), R"({"city":"Oslo"})");
}

TEST_F(ChatUpstream, HangUpMidStreamCancelsUpstreamFreesTheSlotAndBillsWhatWasSent) {
  const std::string one = server.make_key("solo", "pro", "10", kAll, {}, {}, 1);  // one request at a time
  const std::string two = server.make_key("solo", "pro", "0", kAll);              // same user, no such limit
  ASSERT_EQ(call("POST", "/api/external/agents", R"({"name":"Remote","model":"patient/gpt-test"})", one).status, 200);
  script = [](const json::object&, int) {
    FakeReply f;
    f.events = openai_stream({"one", " two", " three"});
    f.events.pop_back();  // no finish: the upstream keeps generating (silently) until cancelled
    f.hold_open = true;
    return f;
  };
  auto credits = [&] { return *parse_credits(std::string(parse(call("GET", "/api/external/credits", "", two).body).at("balance").as_string())); };
  const Micros before = credits();
  const std::string body = R"({"model":"remote","stream":true,"messages":[{"role":"user","content":"count slowly"}]})";
  std::string session;
  const std::string got = read_stream_until(server.port(), one, body, [&](const std::string& s) {
    if (count_of(s, "data: ") < 4) return false;  // the role chunk and three words
    const auto at = s.find("X-Session-Id: ");
    session = s.substr(at + 14, 36);
    // While it runs the session is processing.
    auto status = parse(call("GET", "/api/external/sessions/" + session + "/status", "", two).body);
    EXPECT_EQ(status.at("status").as_string(), "processing");
    EXPECT_EQ(status.at("active_requests").as_int64(), 1);
    return true;
  });
  EXPECT_NE(got.find(R"("content":" three")"), std::string::npos);
  // The upstream request is cancelled, the slot comes back, the partial answer is kept and billed.
  EXPECT_TRUE(eventually([&] { return upstream.disconnects() == 1; }));
  // A new session is stored with its first answer: until then its messages are a 404.
  EXPECT_TRUE(eventually([&] {
    const auto r = call("GET", "/api/external/sessions/" + session + "/messages", "", two);
    return r.status == 200 && parse(r.body).at("total").as_int64() == 2;
  }));
  const auto messages = parse(call("GET", "/api/external/sessions/" + session + "/messages", "", two).body);
  const auto& partial = messages.at("messages").at(1).as_object();
  EXPECT_EQ(partial.at("content").as_string(), "one two three");
  EXPECT_EQ(partial.at("usage").at("completion_tokens").as_int64(), 4);  // "three" counts two
  const std::int64_t tokens = partial.at("usage").at("total_tokens").as_int64();
  EXPECT_EQ(before - credits(), 2000 + (500 * tokens + 999) / 1000);
  EXPECT_EQ(parse(call("GET", "/api/external/sessions/" + session + "/status", "", two).body).at("status").as_string(), "idle");
  script = [](const json::object&, int) { return reply(openai_answer("free again")); };
  auto r = chat({{"model", "remote"}, {"messages", user("next")}}, one);
  EXPECT_EQ(r.status, 200) << r.body;
}

TEST_F(ChatUpstream, PingsWhileTheModelIsSilentAndErrorsAfterTheHeaderAreEvents) {
  agent({{"name", "Remote"}, {"model", "fake/gpt-test"}});
  script = [](const json::object&, int) {
    FakeReply f;
    f.events = openai_stream({"slow"});
    f.delay_ms = 150;  // the server pings every 40 ms meanwhile
    return f;
  };
  auto r = chat({{"model", "remote"}, {"stream", true}, {"messages", user("hi")}});
  auto ev = parse_events(r.body);
  EXPECT_GE(ev.pings, 1) << r.body;
  EXPECT_EQ(ev.data.back(), "[DONE]");

  // The upstream breaks after the header went out: one error event, then [DONE].
  script = [](const json::object&, int) {
    FakeReply f;
    f.events = {R"({"error":{"message":"overloaded"}})"};
    return f;
  };
  r = chat({{"model", "remote"}, {"stream", true}, {"messages", user("hi")}});
  EXPECT_EQ(r.status, 200);
  ev = parse_events(r.body);
  ASSERT_EQ(ev.data.size(), 3u) << r.body;
  EXPECT_EQ(ev.data[1], R"({"error":{"message":"Model provider 'fake' failed: overloaded","type":"upstream_error","code":"model_error"}})");
  EXPECT_EQ(ev.data[2], "[DONE]");
}

TEST_F(ChatUpstream, LoopRepeatsUntilDone) {
  agent({{"name", "Drafter"}, {"model", "fake/gpt-test"}});
  agent({{"name", "Refiner"}, {"agent_type", "LOOP_AGENT"}, {"sub_agents", json::array{"drafter"}}, {"max_iterations", 5}});
  const int start = upstream.calls();
  script = [start](const json::object& req, int n) {
    // The second round sees the first round's answer.
    if (n == start + 1) return reply(openai_answer("draft one"));
    const std::string last(req.at("messages").as_array().back().at("content").as_string());
    EXPECT_NE(last.find("draft one"), std::string::npos);
    return reply(openai_answer("final text\nDONE"));
  };
  auto r = chat({{"messages", user("write it")}}, "", "/api/external/agents/refiner/completions");
  EXPECT_EQ(parse(r.body).at("choices").at(0).at("message").at("content").as_string(), "final text");
  EXPECT_EQ(upstream.calls(), start + 2);
  // Without DONE it stops at max_iterations.
  script = [](const json::object&, int) { return reply(openai_answer("not yet")); };
  r = chat({{"messages", user("write it")}}, "", "/api/external/agents/refiner/completions");
  EXPECT_EQ(parse(r.body).at("choices").at(0).at("message").at("content").as_string(), "not yet");
  EXPECT_EQ(upstream.calls(), start + 7);
}

namespace {

// An HTTPS upstream with a self-signed certificate for 127.0.0.1, made by the openssl tool.
struct TlsUpstream {
  TempDir certs;
  std::string cert = (certs.path / "cert.pem").string(), key = (certs.path / "key.pem").string();
  bool made = std::system(("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 "
                           "-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 -keyout " + key + " -out " + cert +
                           " >/dev/null 2>&1").c_str()) == 0;
  FakeOpenAI upstream{[](const json::object& req, int) {
                        if (req.at("stream").as_bool()) {
                          FakeReply f;
                          f.events = openai_stream({"over", " tls"});
                          return f;
                        }
                        return reply(openai_answer("over tls"));
                      },
                      cert, key};
};

class ChatTls : protected TlsUpstream, public Chat {
 protected:
  ChatTls()
      : Chat([this](Config& c) {
          ProviderSettings p;
          p.base_url = upstream.base_url();
          p.ca_file = cert;
          c.providers["secure"] = p;
          p.ca_file.clear();  // the system's CAs do not know this certificate
          p.max_retries = 0;
          c.providers["untrusted"] = p;
        }) {}
};

}  // namespace

TEST_F(ChatTls, HttpsUpstreamIsVerified) {
  ASSERT_TRUE(made) << "openssl could not make a certificate";
  EXPECT_EQ(upstream.base_url().substr(0, 8), "https://");
  agent({{"name", "Secure"}, {"model", "secure/m"}});
  agent({{"name", "Untrusted"}, {"model", "untrusted/m"}});
  auto r = chat({{"model", "secure"}, {"messages", user("hi")}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(parse(r.body).at("choices").at(0).at("message").at("content").as_string(), "over tls");
  r = chat({{"model", "secure"}, {"stream", true}, {"messages", user("hi")}});
  const Events ev = parse_events(r.body);
  ASSERT_EQ(ev.data.size(), 5u) << r.body;
  EXPECT_EQ(parse(ev.data[2]).at("choices").at(0).at("delta").at("content").as_string(), " tls");

  r = chat({{"model", "untrusted"}, {"messages", user("hi")}});
  EXPECT_EQ(r.status, 502);
  EXPECT_NE(r.body.find("certificate verify failed"), std::string::npos) << r.body;
  EXPECT_EQ(upstream.calls(), 2);  // the untrusted connection never sent its request
}
