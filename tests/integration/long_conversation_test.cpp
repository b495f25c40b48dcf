// Long conversations (docs/architecture.md, "Long conversations"): a session carried on for
// 2,000 turns never sends a model more than its window, still knows what was said in turn 1
// (through the running summary), reports as usage what was really sent, and still pages its
// whole history.
#include "fake_openai.hpp"
#include "harness.hpp"

#include "db/store.hpp"
#include "models/tokens.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <regex>

using namespace agentd;
using namespace agentd::testing;
namespace json = boost::json;

namespace {

constexpr int kWindow = 2000;
constexpr int kPrompt = kWindow - kWindow / 4;  // the answer's default reserve is a quarter
constexpr int kTurns = 2000;
const std::vector<std::string> kScopes = {"orchestrator:invoke", "orchestrator:stream", "agents:invoke", "agents:write",
                                          "sessions:read",       "sessions:messages",   "credits:read"};

json::object parse(const std::string& body) { return json::parse(body).as_object(); }

// The server's own count of what a request sent upstream: its instruction (the first system
// message: every agent here has one), every other message (models/tokens.hpp).
int sent_tokens(const json::object& request) {
  models::CompletionRequest r;
  const auto& messages = request.at("messages").as_array();
  for (std::size_t i = 0; i < messages.size(); ++i) {
    const auto& m = messages[i].as_object();
    const std::string content = m.at("content").is_string() ? std::string(m.at("content").as_string()) : "";
    if (i == 0 && m.at("role") == "system") r.instruction = content;
    else r.messages.push_back({std::string(m.at("role").as_string()), content, {}, {}, {}});
  }
  return models::prompt_tokens(r);
}

std::string last_user(const json::object& request) {
  const auto& messages = request.at("messages").as_array();
  for (auto it = messages.rbegin(); it != messages.rend(); ++it)
    if (it->at("role") == "user") return std::string(it->at("content").as_string());
  return {};
}

std::string everything_sent(const json::object& request) {
  std::string all;
  for (const auto& m : request.at("messages").as_array())
    if (m.at("content").is_string()) all += std::string(m.at("content").as_string()) + "\n";
  return all;
}

bool is_summary_request(const json::object& request) {
  const auto& first = request.at("messages").at(0);
  return first.at("content").as_string().starts_with("You keep the running summary");
}

// A model that answers from what it was sent: the locker code when it can see it, else a
// remark; summary requests get a summary that keeps the code.
FakeReply scripted(const json::object& request, int) {
  FakeReply f;
  static const std::regex code("locker code is ([0-9]+)");
  std::smatch m;
  const std::string all = everything_sent(request);
  if (is_summary_request(request)) {
    f.body = openai_answer(std::regex_search(all, m, code) ? "The user's locker code is " + m[1].str() + "."
                                                           : "Small talk about the weather.");
  } else if (last_user(request) == "What is my locker code?") {
    f.body = openai_answer(std::regex_search(all, m, code) ? "Your locker code is " + m[1].str() + "." : "I do not know.");
  } else {
    f.body = openai_answer("It is probably sunny there, but I cannot check the weather.");
  }
  return f;
}

// The 2,000 user messages of the session: a fact, chatter, the question about the fact.
std::string turn_text(int turn) {
  if (turn == 1) return "My locker code is 4417. Please keep it in mind.";
  if (turn == kTurns) return "What is my locker code?";
  if (turn % 7 == 0) return "I think the weather today is rather nice.";
  return "Can you tell me what the weather is like in city number " + std::to_string(turn) + "?";
}

class LongConversation : public ::testing::Test {
 protected:
  FakeOpenAI upstream{scripted};
  InProcessServer server{[this](Config& c) {
    ProviderSettings p;
    p.base_url = upstream.base_url();
    p.context_windows["gpt-small"] = kWindow;
    c.providers["fake"] = p;
    p.summary = "model";
    c.providers["summarizing"] = p;
    c.context.builtin_window = kWindow;
  }};
  std::string key = server.make_key("acme", "pro", "1000", kScopes, 1'000'000, 10'000'000);

  HttpResult call(const std::string& method, const std::string& target, const std::string& body = "") {
    return http_call(server.port(), method, target, {{"X-API-Key", key}}, body);
  }
  json::object agent(json::object fields) {
    auto r = call("POST", "/api/external/agents", json::serialize(fields));
    EXPECT_EQ(r.status, 200) << r.body;
    return parse(r.body);
  }
  HttpResult say(const std::string& agent, const std::string& session, const std::string& text) {
    json::object body{{"model", agent}, {"session_id", session}, {"messages", json::array{{{"role", "user"}, {"content", text}}}}};
    return call("POST", "/api/external/v1/chat/completions", json::serialize(body));
  }
  // What a turn of this session reads: the messages after its summary.
  std::int64_t unsummarized(const std::string& session) {
    return server.app().store.read([&](db::Conn& c) {
      auto& q = c.prepare(
          "SELECT COUNT(*) FROM chat_messages m JOIN chat_sessions s ON m.session_id = s.id "
          "WHERE s.public_id = ? AND m.id > s.summary_through");
      q.bind(1, session);
      q.executeStep();
      return q.getColumn(0).getInt64();
    });
  }
  std::int64_t stored_messages(const std::string& session) {
    auto r = call("GET", "/api/external/sessions/" + session + "/messages?page=1&page_size=1");
    return parse(r.body).at("total").as_int64();
  }
};

}  // namespace

TEST_F(LongConversation, TwoThousandTurnsStayInsideTheUpstreamWindow) {
  agent({{"name", "Remote"}, {"model", "fake/gpt-small"}, {"instruction", "You are a helpful assistant."}});
  int most = 0;
  for (int turn = 1; turn <= kTurns; ++turn) {
    const auto r = say("remote", "long-1", turn_text(turn));
    ASSERT_EQ(r.status, 200) << "turn " << turn << ": " << r.body;
    const auto sent = upstream.last_request();
    const int tokens = sent_tokens(sent);
    ASSERT_LE(tokens, kPrompt) << "turn " << turn;
    // usage is what was really sent.
    ASSERT_EQ(parse(r.body).at("usage").at("prompt_tokens").as_int64(), tokens) << "turn " << turn;
    most = std::max(most, tokens);
    if (turn == kTurns)
      EXPECT_EQ(parse(r.body).at("choices").at(0).at("message").at("content").as_string(), "Your locker code is 4417.");
  }
  // The window is used, not left empty: recent turns are sent beside the summary.
  EXPECT_GT(most, kPrompt * 3 / 4);
  const auto last = upstream.last_request();
  EXPECT_GT(last.at("messages").as_array().size(), 20u);
  EXPECT_TRUE(last.at("messages").at(1).at("content").as_string().starts_with("Summary of the earlier conversation:"));
  // A turn reads the summary and what came after it, never the whole history: about one
  // window of messages (the last request held the rest of them).
  EXPECT_LE(unsummarized("long-1"), static_cast<std::int64_t>(last.at("messages").as_array().size()) + 2);
  // Every turn is kept: the session pages through everything that was said.
  EXPECT_EQ(stored_messages("long-1"), 2 * kTurns);
  auto page = parse(call("GET", "/api/external/sessions/long-1/messages?page=1&page_size=2").body);
  EXPECT_EQ(page.at("messages").at(0).at("content").as_string(), turn_text(1));

  // Streaming at turn 2,001 is unchanged: the usage chunk reports what was sent.
  json::object body{{"model", "remote"}, {"session_id", "long-1"}, {"stream", true},
                    {"stream_options", {{"include_usage", true}}},
                    {"messages", json::array{{{"role", "user"}, {"content", "What is my locker code?"}}}}};
  const auto streamed = call("POST", "/api/external/v1/chat/completions", json::serialize(body));
  ASSERT_EQ(streamed.status, 200);
  EXPECT_NE(streamed.body.find("Your locker code is 4417."), std::string::npos) << streamed.body;
  const auto usage_at = streamed.body.find("\"usage\":{\"prompt_tokens\":" + std::to_string(sent_tokens(upstream.last_request())) + ",");
  EXPECT_NE(usage_at, std::string::npos) << streamed.body;
}

TEST_F(LongConversation, TheBuiltinModelRemembersTurnOneAtTurnTwoThousand) {
  for (int turn = 1; turn <= kTurns; ++turn) {
    const auto r = say("orchestrator", "long-2", turn_text(turn));
    ASSERT_EQ(r.status, 200) << "turn " << turn << ": " << r.body;
    ASSERT_LE(parse(r.body).at("usage").at("prompt_tokens").as_int64(), kPrompt) << "turn " << turn;
    if (turn == kTurns)
      EXPECT_EQ(std::string(parse(r.body).at("choices").at(0).at("message").at("content").as_string()),
                "Earlier in this conversation you said: \"My locker code is 4417.\"");
  }
  EXPECT_EQ(stored_messages("long-2"), 2 * kTurns);
}

TEST_F(LongConversation, AModelSummaryIsAskedForAndBilledWithTheTurn) {
  agent({{"name", "Summarizer"}, {"model", "summarizing/gpt-small"}, {"instruction", "Be brief."}});
  bool summarized = false;
  for (int turn = 1; turn <= 120; ++turn) {
    const std::size_t before = upstream.request_count();
    const auto r = say("summarizer", "long-3", turn_text(turn));
    ASSERT_EQ(r.status, 200) << r.body;
    const auto requests = upstream.requests(before);
    int sent = 0;
    for (const auto& request : requests) {
      sent += sent_tokens(request);
      summarized = summarized || is_summary_request(request);
    }
    // The summary call is part of the turn's usage (and so of its price).
    ASSERT_EQ(parse(r.body).at("usage").at("prompt_tokens").as_int64(), sent) << "turn " << turn;
    ASSERT_LE(sent_tokens(requests.back()), kPrompt);
  }
  ASSERT_TRUE(summarized);
  const auto r = say("summarizer", "long-3", "What is my locker code?");
  EXPECT_EQ(parse(r.body).at("choices").at(0).at("message").at("content").as_string(), "Your locker code is 4417.");
  EXPECT_NE(everything_sent(upstream.last_request()).find("Summary of the earlier conversation:\nThe user's locker code is 4417."),
            std::string::npos);
}

TEST_F(LongConversation, AResentHistoryIsBudgetedTheSameWay) {
  agent({{"name", "Remote"}, {"model", "fake/gpt-small"}, {"instruction", "Be brief."}});
  json::array history;
  for (int turn = 1; turn <= 300; ++turn) {
    history.push_back({{"role", "user"}, {"content", turn_text(turn)}});
    json::object body{{"model", "remote"}, {"session_id", "long-4"}, {"messages", history}};
    const auto r = call("POST", "/api/external/v1/chat/completions", json::serialize(body));
    ASSERT_EQ(r.status, 200) << r.body;
    ASSERT_LE(sent_tokens(upstream.last_request()), kPrompt) << "turn " << turn;
    history.push_back({{"role", "assistant"}, {"content", parse(r.body).at("choices").at(0).at("message").at("content")}});
  }
  EXPECT_EQ(stored_messages("long-4"), 600);  // the repeated history is not stored twice
  // A new session whose client sends a long conversation at once: sent within the window too.
  json::object body{{"model", "remote"}, {"session_id", "long-5"}, {"messages", history}};
  const auto r = call("POST", "/api/external/v1/chat/completions", json::serialize(body));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_LE(sent_tokens(upstream.last_request()), kPrompt);
  EXPECT_EQ(stored_messages("long-5"), 601);
}

TEST_F(LongConversation, WhatCannotFitIsAClear400AndChangesNothing) {
  std::string instruction;
  for (int i = 0; i < 1600; ++i) instruction += "rule ";
  agent({{"name", "Verbose"}, {"model", "fake/gpt-small"}, {"instruction", instruction}});
  const std::string balance(parse(call("GET", "/api/external/credits").body).at("balance").as_string());
  auto r = say("verbose", "long-6", "hello");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body,
            R"({"detail":{"error":{"message":"Agent 'verbose' does not fit the 2000-token context window of model 'fake/gpt-small': its instruction and tools take 1600 tokens and the answer 500, leaving no room for the conversation. Shorten the instruction, lower max_output_tokens or configure a larger window.","type":"validation_error","code":"context_window_exceeded"}}})");

  agent({{"name", "Remote"}, {"model", "fake/gpt-small"}, {"instruction", "Be brief."}});
  ASSERT_EQ(say("remote", "long-6", "hello").status, 200);
  std::string huge;
  for (int i = 0; i < 3000; ++i) huge += "word ";
  r = say("remote", "long-6", huge);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(std::string(parse(r.body).at("detail").at("error").at("message").as_string()),
            "The newest message takes 3003 tokens, more than the 1497 that agent 'remote' has for the conversation in "
            "the 2000-token context window of model 'fake/gpt-small'. Send a shorter message.");
  EXPECT_EQ(stored_messages("long-6"), 2);
  // Only the one answered turn was billed.
  const std::string after(parse(call("GET", "/api/external/credits").body).at("balance").as_string());
  EXPECT_NE(after, balance);
  ASSERT_EQ(say("remote", "long-6", "hello again").status, 200);
}

TEST_F(LongConversation, AClientsSystemPromptIsSentOnEveryTurn) {
  agent({{"name", "Remote"}, {"model", "fake/gpt-small"}, {"instruction", "Be brief."}});
  json::object first{{"model", "remote"}, {"session_id", "long-7"},
                     {"messages", json::array{{{"role", "system"}, {"content", "Always answer in French."}},
                                              {{"role", "user"}, {"content", turn_text(1)}}}}};
  ASSERT_EQ(call("POST", "/api/external/v1/chat/completions", json::serialize(first)).status, 200);
  for (int turn = 2; turn <= 300; ++turn) ASSERT_EQ(say("remote", "long-7", turn_text(turn)).status, 200);
  const auto last = upstream.last_request();
  ASSERT_LE(sent_tokens(last), kPrompt);
  // Instruction, the client's system prompt, the summary, then the newest turns.
  EXPECT_EQ(last.at("messages").at(1).at("content").as_string(), "Always answer in French.");
  EXPECT_TRUE(last.at("messages").at(2).at("content").as_string().starts_with("Summary of the earlier conversation:"));
  EXPECT_GT(unsummarized("long-7"), 0);
}
