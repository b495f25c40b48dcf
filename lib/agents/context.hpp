// The context budget (docs/architecture.md, "Long conversations"): how one model call's
// context window is shared, and which turns of a conversation fit it.
//
//   window = answer reserve + instruction and offered tools + server tools' results
//            + running summary + the newest whole turns
//
// Token counts are the server's own (models/tokens.hpp), the same as usage and billing.
#pragma once

#include "agents/registry.hpp"
#include "core/config.hpp"
#include "models/types.hpp"

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace agentd::agents {

struct Budget {
  std::string agent;  // slug, for errors
  std::string model;
  int window = 0;
  int output = 0;        // the answer's reserve
  int fixed = 0;         // instruction and offered tool specs
  int tool_results = 0;  // server tools' results within one run (0 without server tools)
  int summary = 0;       // cap of the running summary
  // The summary and the turns, server tools' results excluded (they have their reserve).
  int history() const { return window - output - fixed - tool_results; }
  // Everything the messages of one call may take.
  int messages() const { return window - output - fixed; }
};

// The answer reserve is the agent's max_output_tokens, else the request's max_tokens (the
// smaller of both), else min(settings.output_reserve, window / 4). Throws 400
// context_window_exceeded, naming the agent and its window, when the instruction, the tools and
// the answer alone do not fit.
Budget plan_budget(const Agent& agent, const std::string& model, int window, std::optional<int> max_tokens,
                   int fixed_tokens, bool server_tools, const ContextSettings& settings);

// The messages from `from` on are turns (a turn begins at a user message, with the system notes
// right before it). Returns the index of
// the first one kept so that they fit `budget`: the newest whole turns, newest first. The
// newest turn is always kept; when it alone is too large its tool results are cut to fit, and
// if it still is, this throws 400 context_length_exceeded naming the agent's window.
std::size_t fit_turns(std::vector<models::ChatMessage>& messages, std::size_t from, int budget, const Budget& b);

}  // namespace agentd::agents
