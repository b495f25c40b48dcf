// The context budget and the running summary (docs/architecture.md, "Long conversations"):
// which turns fit a window, what happens at its edges, and what an extractive summary keeps.
#include "agents/context.hpp"
#include "core/errors.hpp"
#include "models/builtin.hpp"
#include "models/summary.hpp"
#include "models/tokens.hpp"
#include "models/windows.hpp"

#include <gtest/gtest.h>

using namespace agentd;
using namespace agentd::agents;
using models::ChatMessage;

namespace {

ChatMessage msg(std::string role, std::string content) { return {std::move(role), std::move(content), {}, {}, {}}; }

std::string words(int n, const std::string& word = "word") {
  std::string s;
  for (int i = 0; i < n; ++i) s += (i ? " " : "") + word;
  return s;
}

Agent agent_named(std::string slug) {
  Agent a;
  a.slug = std::move(slug);
  return a;
}

Budget budget(int window, int output = 100, int fixed = 50) {
  ContextSettings s;
  Agent a = agent_named("helper");
  a.max_output_tokens = output;
  return plan_budget(a, "fake/small", window, std::nullopt, fixed, false, s);
}

int tokens(const std::vector<ChatMessage>& m, std::size_t from = 0) {
  int n = 0;
  for (std::size_t i = from; i < m.size(); ++i) n += models::message_tokens(m[i]);
  return n;
}

}  // namespace

TEST(ContextBudget, SharesOfTheWindow) {
  ContextSettings s;  // tool share 0.25, summary 0.10, output reserve 1,024
  Agent a = agent_named("helper");
  Budget b = plan_budget(a, "builtin", 8192, std::nullopt, 300, true, s);
  EXPECT_EQ(b.output, 1024);  // min(output_reserve, window / 4)
  EXPECT_EQ(b.tool_results, 2048);
  EXPECT_EQ(b.summary, 819);
  EXPECT_EQ(b.history(), 8192 - 1024 - 300 - 2048);
  // The agent's max_output_tokens, capped by the request's.
  a.max_output_tokens = 500;
  EXPECT_EQ(plan_budget(a, "builtin", 8192, std::nullopt, 0, false, s).output, 500);
  EXPECT_EQ(plan_budget(a, "builtin", 8192, 200, 0, false, s).output, 200);
  EXPECT_EQ(plan_budget(a, "builtin", 8192, 900, 0, false, s).output, 500);
  // No server tools: no reserve for their results.
  EXPECT_EQ(plan_budget(a, "builtin", 8192, std::nullopt, 0, false, s).tool_results, 0);
}

TEST(ContextBudget, AnInstructionAloneOverTheWindowIsAClear400) {
  try {
    budget(2000, 100, 1950);
    FAIL() << "no error";
  } catch (const AppError& e) {
    EXPECT_EQ(e.kind, ErrorKind::bad_request);
    EXPECT_EQ(e.code, "context_window_exceeded");
    EXPECT_EQ(e.message,
              "Agent 'helper' does not fit the 2000-token context window of model 'fake/small': its instruction and "
              "tools take 1950 tokens and the answer 100, leaving no room for the conversation. Shorten the "
              "instruction, lower max_output_tokens or configure a larger window.");
  }
  EXPECT_NO_THROW(budget(2000, 100, 1800));
}

TEST(ContextBudget, KeepsTheNewestWholeTurns) {
  std::vector<ChatMessage> m;
  for (int i = 0; i < 50; ++i) {
    m.push_back(msg("user", "question " + std::to_string(i) + " " + words(20)));
    m.push_back(msg("assistant", "answer " + std::to_string(i) + " " + words(30)));
  }
  const Budget b = budget(2000);
  const std::size_t first = fit_turns(m, 0, 500, b);
  EXPECT_GT(first, 0u);
  EXPECT_EQ(m[first].role, "user");  // whole turns: never an answer without its question
  EXPECT_LE(tokens(m, first), 500);
  // One more turn would not have fitted.
  EXPECT_GT(tokens(m, first - 2), 500);
  // Everything fits a large budget.
  EXPECT_EQ(fit_turns(m, 0, 100000, b), 0u);
  // A pinned prefix is never dropped.
  EXPECT_GE(fit_turns(m, 10, 100000, b), 10u);
}

TEST(ContextBudget, ATurnWithToolCallsStaysTogether) {
  std::vector<ChatMessage> m{msg("user", "first " + words(100)), msg("user", "find it")};
  m.push_back({"assistant", "", {}, {}, {{"call_1", "lookup", "{}"}}});
  m.push_back({"tool", words(40), {}, "call_1", {}});
  const std::size_t first = fit_turns(m, 0, tokens(m, 1), budget(2000));
  EXPECT_EQ(first, 1u);  // the newest turn (user, tool call, result) whole; the older one out
}

TEST(ContextBudget, ASystemNoteBeforeTheQuestionStaysWithIt) {
  // The Agents API sends its `context` as a system message right before the text.
  std::vector<ChatMessage> m{msg("user", "first " + words(100)), msg("assistant", "ok"),
                             msg("system", "Context: the user is on the night shift"), msg("user", "when do I start?")};
  EXPECT_EQ(fit_turns(m, 0, tokens(m, 2), budget(2000)), 2u);
  // A note at the very start belongs to the first turn.
  std::vector<ChatMessage> n{msg("system", "Context: a note"), msg("user", "hello")};
  EXPECT_EQ(fit_turns(n, 0, tokens(n), budget(2000)), 0u);
}

TEST(ContextBudget, OneHugeNewMessageIsAClear400) {
  std::vector<ChatMessage> m{msg("user", "hello"), msg("assistant", "hi"), msg("user", words(3000))};
  try {
    fit_turns(m, 0, 1500, budget(2000));
    FAIL() << "no error";
  } catch (const AppError& e) {
    EXPECT_EQ(e.code, "context_length_exceeded");
    EXPECT_EQ(e.message,
              "The newest message takes 3003 tokens, more than the 1500 that agent 'helper' has for the conversation "
              "in the 2000-token context window of model 'fake/small'. Send a shorter message.");
  }
}

TEST(ContextBudget, AToolResultLargerThanTheBudgetIsCutToFit) {
  std::vector<ChatMessage> m{msg("user", "look it up")};
  m.push_back({"assistant", "", {}, {}, {{"call_1", "lookup", "{}"}}});
  m.push_back({"tool", words(5000, "data"), {}, "call_1", {}});
  const std::size_t first = fit_turns(m, 0, 1000, budget(2000));
  EXPECT_EQ(first, 0u);
  EXPECT_LE(tokens(m), 1000);
  EXPECT_GT(tokens(m), 900);  // cut to the budget, not emptied
  EXPECT_NE(m[2].content.find("[cut to fit the context window]"), std::string::npos);
}

TEST(Tokens, CutToTokensKeepsWholeWordsWithinTheCount) {
  EXPECT_EQ(models::cut_to_tokens("alpha beta gamma", 100), "alpha beta gamma");
  EXPECT_EQ(models::cut_to_tokens("alpha beta gamma", 4), "alpha beta");
  EXPECT_EQ(models::cut_to_tokens("alpha beta gamma", 0), "");
  // No space: cut inside the word (4 ASCII bytes per token), or between CJK characters.
  EXPECT_EQ(models::cut_to_tokens(std::string(40, 'x'), 3), std::string(12, 'x'));
  EXPECT_EQ(models::cut_to_tokens("日本語のテキスト", 3), "日本語");
  for (int n = 0; n < 30; ++n)
    EXPECT_LE(models::count_tokens(models::cut_to_tokens(words(40, "tokenization"), n)), n);
}

TEST(ContextWindows, KnownFamiliesAndTheFallback) {
  EXPECT_EQ(models::known_context_window("gpt-4o-mini"), 128000);
  EXPECT_EQ(models::known_context_window("gpt-4"), 8192);
  EXPECT_EQ(models::known_context_window("gpt-4-turbo-2024-04-09"), 128000);
  EXPECT_EQ(models::known_context_window("meta-llama/Llama-3.1-8B-Instruct"), 131072);
  EXPECT_EQ(models::known_context_window("something-new"), 8192);
}

TEST(Summary, AFactStatedOnceOutlivesTwoThousandTurnsOfChatter) {
  std::string summary = models::extractive_summary("", {msg("user", "My locker code is 4417."),
                                                         msg("assistant", "Noted.")},
                                                   200);
  for (int turn = 2; turn <= 2000; ++turn) {
    std::vector<ChatMessage> fallen{
        msg("user", "Can you tell me what the weather is like in city number " + std::to_string(turn) + "?"),
        msg("assistant", "I don't know: nothing in what I know covers that.")};
    if (turn % 7 == 0) fallen.push_back(msg("user", "I think the weather today is rather nice."));
    summary = models::extractive_summary(summary, fallen, 200);
    ASSERT_LE(models::count_tokens(summary), 200);
  }
  EXPECT_NE(summary.find("User: My locker code is 4417."), std::string::npos) << summary;
  // Deterministic.
  EXPECT_EQ(models::extractive_summary(summary, {msg("user", "One more thing.")}, 200),
            models::extractive_summary(summary, {msg("user", "One more thing.")}, 200));
}

TEST(Summary, TheBuiltinAnswersFromTheSummary) {
  models::CompletionRequest r;
  r.messages.push_back(models::summary_message("User: My locker code is 4417.\nUser: I live in Lisbon."));
  r.messages.push_back(msg("user", "What is my locker code?"));
  const auto c = models::builtin_answer(r);
  EXPECT_EQ(c.content, "Earlier in this conversation you said: \"My locker code is 4417.\"");
}

TEST(Summary, AModelIsAskedWithinItsWindow) {
  std::vector<ChatMessage> fallen{msg("user", words(10000, "long")), msg("assistant", "short answer")};
  const auto r = models::summary_request("gpt-test", "User: earlier fact.", fallen, 200, 2000);
  EXPECT_EQ(r.model, "gpt-test");
  EXPECT_EQ(r.sampling.max_tokens, 200);
  EXPECT_LE(models::prompt_tokens(r) + 200, 2000);
  EXPECT_NE(r.messages[0].content.find("User: earlier fact."), std::string::npos);
}
