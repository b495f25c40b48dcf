// The builtin model and the token count (API.md 7): deterministic, grounded, honest, bounded.
#include "models/builtin.hpp"
#include "models/tokens.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

using namespace agentd::models;

namespace {

CompletionRequest asking(const std::string& question) {
  CompletionRequest r;
  r.agent_name = "Helper";
  r.messages.push_back({"user", question, {}, {}, {}});
  return r;
}

// The request after the model asked for rag_search and got these passages.
CompletionRequest with_results(CompletionRequest r, const std::string& results_json) {
  r.messages.push_back({"assistant", "", {}, {}, {{"call_1", "rag_search", R"({"query":"x"})"}}});
  r.messages.push_back({"tool", results_json, {}, "call_1", {}});
  return r;
}

// The answer to `question` once rag_search, offered, returned these results.
std::string answer_from(const std::string& question, const std::string& results_json) {
  CompletionRequest r = asking(question);
  r.tools.push_back({"rag_search", "search", {}});
  return builtin_answer(with_results(r, results_json)).content;
}

}  // namespace

TEST(Tokens, ServerOwnCount) {
  EXPECT_EQ(count_tokens(""), 0);
  EXPECT_EQ(count_tokens("one two three"), 4);  // 1 + 1 + 2 (five letters)
  EXPECT_EQ(count_tokens("日本語"), 3);
  EXPECT_EQ(count_tokens("  spaced\n\tout  "), 3);
}

TEST(BuiltinModel, AsksForTheSearchItIsOfferedThenAnswersWithMarkers) {
  CompletionRequest r = asking("When are expense receipts due?");
  r.tools.push_back({"rag_search", "search", {}});
  const Completion first = builtin_answer(r);
  ASSERT_EQ(first.tool_calls.size(), 1u);
  EXPECT_EQ(first.finish_reason, "tool_calls");
  EXPECT_EQ(first.tool_calls[0].name, "rag_search");
  EXPECT_EQ(boost::json::parse(first.tool_calls[0].arguments).at("query").as_string(), "When are expense receipts due?");

  const auto answered = with_results(r, R"({"results":[
    {"index":1,"filename":"a.pdf","page":3,"text":"Expense policy. Receipts are due within 14 days of travel. Lunch is free."},
    {"index":2,"filename":"b.txt","text":"Expense receipts go to the finance team by email."}]})");
  const Completion c = builtin_answer(answered);
  EXPECT_EQ(c.content, "Receipts are due within 14 days of travel. [1] Expense receipts go to the finance team by email. [2]");
  EXPECT_EQ(c.finish_reason, "stop");
  EXPECT_EQ(c.usage.completion_tokens, count_tokens(c.content));
  EXPECT_EQ(builtin_answer(answered).content, c.content);  // deterministic

  const Completion none = builtin_answer(with_results(r, R"({"results":[]})"));
  EXPECT_EQ(none.content, "I could not find anything about that in my knowledge sources.");
}

TEST(BuiltinModel, APassageThatSharesOneWordWithTheQuestionIsNoAnswer) {
  // The search found something (it always ranks something): one word in common is not enough.
  EXPECT_EQ(answer_from("What is the capital of Australia?", R"({"results":[
    {"index":1,"filename":"bzip2.pdf","page":37,"text":"Proceedings of the Australasian Computer Science Conference, Melbourne, Australia."}]})"),
            "I could not find anything about that in my knowledge sources.");
  // Half of a longer question's words, inflections counted (XORs for XOR), is.
  EXPECT_EQ(answer_from("How do I XOR one buffer into another?", R"({"results":[
    {"index":1,"filename":"nettle.pdf","page":102,"text":"memxor XORs the source buffer on top of the destination area."}]})"),
            "memxor XORs the source buffer on top of the destination area. [1]");
}

TEST(BuiltinModel, APassageTheSearchScoredUnderTheFloorIsNoAnswer) {
  const std::string passage = "Sorting takes O(N log N) time; compressed files carry a checksum.";
  auto answer_at = [&](const std::string& relevance) {
    return answer_from("How do I rotate log files with logrotate?",
                       R"({"results":[{"index":1,"filename":"bzip2.pdf","page":34,"relevance":)" + relevance + R"(,"text":")" +
                           passage + R"("}]})");
  };
  // Words enough (log, files), but the search says the passage holds little of the question.
  EXPECT_EQ(answer_at("0.15"), "I could not find anything about that in my knowledge sources.");
  EXPECT_EQ(answer_at("0.35"), passage + " [1]");
}

TEST(BuiltinModel, MaxTokensAndStopCutTheAnswer) {
  CompletionRequest r = with_results(asking("trains schedule"), R"({"results":[
    {"index":1,"filename":"t.txt","text":"The trains schedule changes every spring and autumn for all regional lines."}]})");
  r.sampling.max_tokens = 4;
  Completion c = builtin_answer(r);
  EXPECT_EQ(c.finish_reason, "length");
  EXPECT_LE(count_tokens(c.content), 4);
  EXPECT_EQ(c.content, "The trains");
  r.sampling.max_tokens.reset();
  r.sampling.stop = {" every"};
  c = builtin_answer(r);
  EXPECT_EQ(c.finish_reason, "stop");
  EXPECT_EQ(c.content, "The trains schedule changes");
}

TEST(BuiltinModel, ClientToolNamedInTheMessageIsCalled) {
  CompletionRequest r = asking("please get weather for Oslo");
  r.tools.push_back({"get_weather", "", boost::json::parse(R"({"type":"object","required":["city"]})")});
  const Completion c = builtin_answer(r);
  ASSERT_EQ(c.tool_calls.size(), 1u);
  EXPECT_EQ(c.tool_calls[0].name, "get_weather");
  EXPECT_EQ(c.tool_calls[0].arguments, R"({"city":"please get weather for Oslo"})");
  // Not named, not forced: no call, and without sources an honest answer.
  r = asking("what is the capital of Peru?");
  r.tools.push_back({"get_weather", "", {}});
  const Completion plain = builtin_answer(r);
  EXPECT_TRUE(plain.tool_calls.empty());
  EXPECT_EQ(plain.content, "I don't know: nothing in what I know covers that.");
}
