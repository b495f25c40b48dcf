// The Workspace API's knowledge and time (API.md 5, 7) over real HTTP: memories recalled by the
// builtin model in a room and in the other dialects, the remember and create_reminder tools,
// rooms as sessions, reminders firing on an injected clock, and a reminder whose time passed
// while the server was down firing once at start.
#include "agents/reminders.hpp"
#include "fake_openai.hpp"
#include "harness.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <chrono>
#include <thread>

using namespace agentd;
using namespace agentd::testing;
namespace json = boost::json;

namespace {

json::object data_of(const HttpResult& r) { return body_json(r.body).at("data").as_object(); }

struct Client {
  unsigned short port;
  std::string key;
  HttpResult call(const std::string& method, const std::string& target, const std::string& body = "") const {
    Headers h = {{"Authorization", "Bearer " + key}};
    if (!body.empty()) h.emplace_back("Content-Type", "application/json");
    return http_call(port, method, target, h, body);
  }
  json::object created(const std::string& target, const json::object& body) const {
    auto r = call("POST", target, json::serialize(body));
    EXPECT_EQ(r.status, 201) << target << " " << r.body;
    return r.status == 201 ? data_of(r) : json::object{};
  }
  std::string say(const std::string& room, const std::string& content) const {
    auto r = call("POST", "/api/v1/rooms/" + room + "/messages", json::serialize(json::object{{"content", content}}));
    EXPECT_EQ(r.status, 201) << r.body;
    return r.status == 201 ? text_of(data_of(r).at("content")) : std::string();
  }
};

// Polls until `done` holds or five seconds pass.
template <class F>
bool eventually(F done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return done();
}

}  // namespace

TEST(WorkspaceKnowledge, AMemoryIsRecalledInARoomAndInEveryDialect) {
  InProcessServer server;
  const Client ws{server.port(), server.bootstrap_key()};
  const auto agent = ws.created("/api/v1/agents", {{"name", "Office Helper"}});
  const std::string uuid = text_of(agent.at("uuid"));
  ws.created("/api/v1/agents/" + uuid + "/memories", {{"content", "The office wifi password is heron-42."}, {"category", "office"}});
  ws.created("/api/v1/agents/" + uuid + "/memories", {{"content", "Lunch is served at noon on Fridays."}});
  const std::string room = text_of(ws.created("/api/v1/rooms", {{"agentUuid", uuid}, {"name", "Front desk"}}).at("id"));
  EXPECT_EQ(ws.say(room, "What is the office wifi password?"), "The office wifi password is heron-42.");

  // The External API and the Agents API ask the same agent.
  auto ext = http_call(server.port(), "POST", "/api/external/v1/chat/completions",
                       {{"X-API-Key", ws.key}, {"Content-Type", "application/json"}},
                       json::serialize(json::object{{"model", uuid}, {"messages", json::array{{{"role", "user"}, {"content", "Tell me the wifi password"}}}}}));
  ASSERT_EQ(ext.status, 200) << ext.body;
  EXPECT_NE(text_of(body_json(ext.body).at("choices").at(0).at("message").at("content")).find("heron-42"), std::string::npos);
  auto v1 = http_call(server.port(), "POST", "/v1/agents/" + uuid + "/messages",
                      {{"Authorization", "Bearer " + ws.key}, {"Content-Type", "application/json"}}, R"({"text":"When is lunch on Fridays?"})");
  ASSERT_EQ(v1.status, 200) << v1.body;
  EXPECT_EQ(text_of(body_json(v1.body).at("data").at("response")), "Lunch is served at noon on Fridays.");

  // An archived memory is no longer recalled; filters and search list it.
  const auto listed = body_json(ws.call("GET", "/api/v1/agents/" + uuid + "/memories?filter[search]=heron").body);
  ASSERT_EQ(listed.at("meta").at("total"), 1);
  const std::string memory = text_of(listed.at("data").at(0).at("id"));
  EXPECT_EQ(body_json(ws.call("GET", "/api/v1/agents/" + uuid + "/memories?category=office").body).at("meta").at("total"), 1);
  EXPECT_EQ(ws.call("PUT", "/api/v1/memories/" + memory, R"({"tier":"archived"})").status, 200);
  EXPECT_EQ(body_json(ws.call("GET", "/api/v1/agents/" + uuid + "/memories?tier=archived").body).at("meta").at("total"), 1);
  EXPECT_EQ(ws.say(room, "What is the office wifi password?").find("heron-42"), std::string::npos);
}

TEST(WorkspaceKnowledge, TheRememberToolStoresWhatItIsTold) {
  InProcessServer server;
  const Client ws{server.port(), server.bootstrap_key()};
  const std::string uuid = text_of(ws.created("/api/v1/agents", {{"name", "Assistant"}}).at("uuid"));
  const std::string room = text_of(ws.created("/api/v1/rooms", {{"agentUuid", uuid}, {"name", "Chat"}}).at("id"));
  EXPECT_EQ(ws.say(room, "Remember that my parking spot is B7."), "I will remember that: my parking spot is B7.");
  const auto memories = body_json(ws.call("GET", "/api/v1/agents/" + uuid + "/memories").body);
  ASSERT_EQ(memories.at("meta").at("total"), 1);
  EXPECT_EQ(text_of(memories.at("data").at(0).at("content")), "my parking spot is B7");
  EXPECT_EQ(text_of(memories.at("data").at(0).at("tier")), "working");
  // A new room (a new session) still knows it: it is the agent's, not the conversation's.
  const std::string other = text_of(ws.created("/api/v1/rooms", {{"agentUuid", uuid}, {"name", "Later"}}).at("id"));
  EXPECT_EQ(ws.say(other, "Where is my parking spot?"), "my parking spot is B7");
}

TEST(WorkspaceKnowledge, ARoomIsASessionItsHistoryIsTheContext) {
  InProcessServer server;
  const Client ws{server.port(), server.bootstrap_key()};
  const std::string uuid = text_of(ws.created("/api/v1/agents", {{"name", "Notes"}}).at("uuid"));
  const std::string room = text_of(ws.created("/api/v1/rooms", {{"agentUuid", uuid}, {"name", "Planning"}}).at("id"));
  ws.say(room, "My locker code is 4711.");
  EXPECT_EQ(ws.say(room, "What is my locker code?"), "Earlier in this conversation you said: \"My locker code is 4711.\"");
  const auto all = body_json(ws.call("GET", "/api/v1/rooms/" + room + "/messages").body).at("data").as_array();
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(text_of(all[0].at("role")), "user");
  EXPECT_EQ(text_of(all[0].at("content")), "My locker code is 4711.");
  EXPECT_EQ(text_of(all[3].at("role")), "assistant");
  // The newest N, oldest first.
  const auto two = body_json(ws.call("GET", "/api/v1/rooms/" + room + "/messages?limit=2").body).at("data").as_array();
  ASSERT_EQ(two.size(), 2u);
  EXPECT_EQ(text_of(two[0].at("content")), "What is my locker code?");
  EXPECT_EQ(ws.call("GET", "/api/v1/rooms/" + room + "/messages?limit=101").status, 422);
  EXPECT_EQ(ws.call("POST", "/api/v1/rooms/" + room + "/messages", R"({"content":"  "})").body,
            R"({"message":"The content field is required.","errors":{"content":["The content field is required."]}})");
  EXPECT_EQ(ws.call("POST", "/api/v1/rooms", R"({"agentUuid":"nope","name":"x"})").body,
            R"({"message":"The selected agent uuid is invalid.","errors":{"agentUuid":["The selected agent uuid is invalid."]}})");
  const auto rooms = body_json(ws.call("GET", "/api/v1/rooms").body);
  EXPECT_EQ(rooms.at("meta").at("total"), 1);
  EXPECT_EQ(text_of(rooms.at("data").at(0).at("agentUuid")), uuid);
  // Room turns are billed like chat completions.
  auto credits = body_json(http_call(server.port(), "GET", "/api/external/credits", {{"X-API-Key", ws.key}}).body);
  EXPECT_LT(std::stod(text_of(credits.at("balance"))), 100.0);
}

TEST(WorkspaceKnowledge, AReminderFiresOnTimeOnceIntoTheAgentsLatestRoom) {
  ManualClock clock{static_cast<double>(std::time(nullptr))};
  InProcessServer server({}, &clock);
  const Client ws{server.port(), server.bootstrap_key()};
  const std::string uuid = text_of(ws.created("/api/v1/agents", {{"name", "Timer"}}).at("uuid"));
  const std::string room = text_of(ws.created("/api/v1/rooms", {{"agentUuid", uuid}, {"name", "Main"}}).at("id"));
  const std::string at = iso8601_unix(std::floor(clock.unix_seconds()) + 60);
  const auto reminder = ws.created("/api/v1/agents/" + uuid + "/reminders", {{"text", "Stand-up in the big room"}, {"scheduledAt", at}});
  EXPECT_EQ(text_of(reminder.at("scheduledAt")), at);
  EXPECT_TRUE(reminder.at("dispatchedAt").is_null());
  const std::string id = text_of(reminder.at("id"));
  auto dispatched = [&] { return !data_of(ws.call("GET", "/api/v1/reminders/" + id)).at("dispatchedAt").is_null(); };
  // Not before its time: one due now fires, this one waits.
  const std::string now_id = text_of(ws.created("/api/v1/agents/" + uuid + "/reminders",
                                            {{"text", "Right now"}, {"scheduledAt", iso8601_unix(clock.unix_seconds())}}).at("id"));
  ASSERT_TRUE(eventually([&] { return !data_of(ws.call("GET", "/api/v1/reminders/" + now_id)).at("dispatchedAt").is_null(); }));
  EXPECT_FALSE(dispatched());
  clock.advance(60);
  ASSERT_TRUE(eventually(dispatched));
  const auto fired = data_of(ws.call("GET", "/api/v1/reminders/" + id));
  EXPECT_EQ(text_of(fired.at("roomId")), room);
  const auto msgs = body_json(ws.call("GET", "/api/v1/rooms/" + room + "/messages").body).at("data").as_array();
  ASSERT_EQ(msgs.size(), 2u);
  EXPECT_EQ(text_of(msgs[0].at("content")), "Right now");
  EXPECT_EQ(text_of(msgs[1].at("content")), "Stand-up in the big room");
  EXPECT_EQ(text_of(msgs[1].at("role")), "assistant");
  // An agent without a room gets one.
  const std::string lonely = text_of(ws.created("/api/v1/agents", {{"name", "Lonely"}}).at("uuid"));
  const std::string id2 = text_of(ws.created("/api/v1/agents/" + lonely + "/reminders", {{"text", "Water the plants"}, {"scheduledAt", at}}).at("id"));
  ASSERT_TRUE(eventually([&] { return !data_of(ws.call("GET", "/api/v1/reminders/" + id2)).at("dispatchedAt").is_null(); }));
  const auto rooms = body_json(ws.call("GET", "/api/v1/rooms").body);
  EXPECT_EQ(rooms.at("meta").at("total"), 2);
  EXPECT_EQ(text_of(rooms.at("data").at(0).at("name")), "Reminders");
}

TEST(WorkspaceKnowledge, AReminderDueWhileTheServerWasDownFiresOnceAtStart) {
  TempDir dir;
  ManualClock clock{static_cast<double>(std::time(nullptr))};
  auto config = [&dir](Config& c) { c.data_dir = dir.str(); };
  std::string key, id, room;
  {
    InProcessServer first(config, &clock);
    const Client ws{first.port(), first.bootstrap_key()};
    key = ws.key;
    const std::string uuid = text_of(ws.created("/api/v1/agents", {{"name", "Timer"}}).at("uuid"));
    room = text_of(ws.created("/api/v1/rooms", {{"agentUuid", uuid}, {"name", "Main"}}).at("id"));
    id = text_of(ws.created("/api/v1/agents/" + uuid + "/reminders",
                        {{"text", "Renew the certificate"}, {"scheduledAt", iso8601_unix(clock.unix_seconds() + 3600)}}).at("id"));
  }
  clock.advance(7200);  // the server was down at the reminder's time
  InProcessServer second(config, &clock);
  const Client ws{second.port(), key};
  ASSERT_TRUE(eventually([&] { return !data_of(ws.call("GET", "/api/v1/reminders/" + id)).at("dispatchedAt").is_null(); }));
  // Exactly once, also when its job runs again (a crash after the post, before the job was
  // recorded as done).
  second.app().store.write([&](db::Conn& c) {
    auto& q = c.prepare("SELECT org_id FROM reminders WHERE id = ?");
    q.bind(1, id);
    q.executeStep();
    const std::int64_t org = q.getColumn(0).getInt64();
    q.reset();
    agents::dispatch_reminder(c, org, id, clock.unix_seconds());
  });
  const auto msgs = body_json(ws.call("GET", "/api/v1/rooms/" + room + "/messages").body).at("data").as_array();
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(text_of(msgs[0].at("content")), "Renew the certificate");
}

TEST(WorkspaceKnowledge, TheCreateReminderToolSchedulesOne) {
  ManualClock clock{1'767'261'600.0 - 1000};  // 2026-01-01T10:00:00Z (its monotonic part starts at 1000)
  InProcessServer server({}, &clock);
  const Client ws{server.port(), server.bootstrap_key()};
  const std::string uuid = text_of(ws.created("/api/v1/agents", {{"name", "Planner"}}).at("uuid"));
  const std::string room = text_of(ws.created("/api/v1/rooms", {{"agentUuid", uuid}, {"name", "Main"}}).at("id"));
  EXPECT_EQ(ws.say(room, "Remind me to call Jane in 10 minutes"), "I will remind you to call Jane at 2026-01-01T10:10:00Z.");
  EXPECT_EQ(ws.say(room, "Please remind me to send the report at 3pm."), "I will remind you to send the report at 2026-01-01T15:00:00Z.");
  const auto list = body_json(ws.call("GET", "/api/v1/reminders").body);
  ASSERT_EQ(list.at("meta").at("total"), 2);
  EXPECT_EQ(text_of(list.at("data").at(1).at("scheduledAt")), "2026-01-01T10:10:00Z");
  EXPECT_EQ(text_of(list.at("data").at(1).at("text")), "call Jane");
  clock.advance(601);
  const std::string first = text_of(list.at("data").at(1).at("id"));
  ASSERT_TRUE(eventually([&] { return !data_of(ws.call("GET", "/api/v1/reminders/" + first)).at("dispatchedAt").is_null(); }));
  EXPECT_TRUE(data_of(ws.call("GET", "/api/v1/reminders/" + text_of(list.at("data").at(0).at("id")))).at("dispatchedAt").is_null());
  EXPECT_EQ(ws.call("DELETE", "/api/v1/reminders/" + first).status, 204);
}

// An OpenAI-compatible model is offered remember and create_reminder in its tool loop, and is
// sent the agent's memories that match the question.
TEST(WorkspaceKnowledge, AnUpstreamModelRunsTheWorkspaceToolsAndIsToldItsMemories) {
  FakeOpenAI upstream([](const json::object& req, int call) {
    FakeReply r;
    const bool answering = req.at("messages").as_array().back().at("role") == "tool";
    if (call == 1) r.body = openai_answer("", {{"remember", R"({"content":"The stand-up is at 9:15"})"}});
    else if (call == 3 && !answering) r.body = openai_answer("", {{"create_reminder", R"({"text":"join the stand-up","scheduledAt":"in 5 minutes"})"}});
    else r.body = openai_answer("Done.");
    return r;
  });
  InProcessServer server([&](Config& c) {
    ProviderSettings p;
    p.base_url = upstream.base_url();
    c.providers["up"] = p;
  });
  const std::string key = server.bootstrap_key();
  auto made = http_call(server.port(), "POST", "/api/external/agents", {{"X-API-Key", key}, {"Content-Type", "application/json"}},
                        R"({"name":"Relay","model":"up/gpt-4o","tools":["remember","create_reminder"]})");
  ASSERT_EQ(made.status, 200) << made.body;
  const std::string agent = text_of(body_json(made.body).at("agent_id"));
  auto chat = [&](const std::string& text) {
    return http_call(server.port(), "POST", "/api/external/v1/chat/completions", {{"X-API-Key", key}, {"Content-Type", "application/json"}},
                     json::serialize(json::object{{"model", agent}, {"messages", json::array{{{"role", "user"}, {"content", text}}}}}));
  };
  ASSERT_EQ(chat("Please note when the stand-up is.").status, 200);
  const auto first = upstream.requests(0).at(0);
  std::vector<std::string> offered;
  for (const auto& t : first.at("tools").as_array()) offered.push_back(text_of(t.at("function").at("name")));
  EXPECT_EQ(offered, (std::vector<std::string>{"remember", "create_reminder"}));
  EXPECT_EQ(text_of(upstream.requests(0).at(1).at("messages").as_array().back().at("content")),
            R"({"message":"I will remember that: The stand-up is at 9:15."})");
  const Client ws{server.port(), key};
  const auto memories = body_json(ws.call("GET", "/api/v1/agents/" + agent + "/memories").body);
  ASSERT_EQ(memories.at("meta").at("total"), 1);
  EXPECT_EQ(text_of(memories.at("data").at(0).at("content")), "The stand-up is at 9:15");

  // The next question is sent with what the agent remembers, and a reminder is created.
  ASSERT_EQ(chat("When is the stand-up? Remind me five minutes before.").status, 200);
  const auto asked = upstream.requests(0).at(2).at("messages").as_array();
  ASSERT_GE(asked.size(), 2u);
  EXPECT_EQ(text_of(asked[asked.size() - 2].at("role")), "system");
  EXPECT_EQ(text_of(asked[asked.size() - 2].at("content")), "What you remember:\nThe stand-up is at 9:15");
  EXPECT_EQ(body_json(ws.call("GET", "/api/v1/reminders").body).at("meta").at("total"), 1);
}
