// Orchestrator routing (BM25 over agent profiles) and the search terms it uses.
#include "agents/runtime.hpp"
#include "core/terms.hpp"

#include <gtest/gtest.h>

using namespace agentd;

namespace {
agents::Agent agent(const std::string& id, const std::string& name, const std::string& description,
                    const std::string& instruction = "") {
  agents::Agent a;
  a.id = id;
  a.name = name;
  a.description = description;
  a.instruction = instruction;
  return a;
}
}  // namespace

TEST(Terms, WordsWithoutFunctionWordsAndCjkPairs) {
  EXPECT_EQ(terms("How many days do I have for a refund?"), (std::vector<std::string>{"many", "days", "refund"}));
  EXPECT_EQ(terms("環境方針"), (std::vector<std::string>{"環境", "境方", "方針"}));
  EXPECT_EQ(terms("返金、送料"), (std::vector<std::string>{"返金", "送料"}));
}

TEST(Orchestrator, PicksTheAgentWhoseProfileMatches) {
  const std::vector<agents::Agent> active{
      agent("a1", "Poet", "Writes poems and haiku"),
      agent("a2", "Support Agent", "Answers refund and shipping questions"),
      agent("a3", "Tax Helper", "Explains VAT and income tax", "You help with tax returns and deductions.")};
  EXPECT_EQ(agents::route(active, "How many days do I have for a refund?")->id, "a2");
  EXPECT_EQ(agents::route(active, "write me a haiku about autumn")->id, "a1");
  EXPECT_EQ(agents::route(active, "Can I deduct my home office from income tax?")->id, "a3");
  // Nothing matches: the default agent, the oldest active one.
  EXPECT_EQ(agents::route(active, "good morning")->id, "a1");
  EXPECT_FALSE(agents::route({}, "anything").has_value());
}
