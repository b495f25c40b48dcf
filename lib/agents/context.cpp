#include "agents/context.hpp"

#include "core/errors.hpp"
#include "models/tokens.hpp"

#include <algorithm>

namespace agentd::agents {
namespace {

std::string window_of(const Budget& b) {
  return "the " + std::to_string(b.window) + "-token context window of model '" + b.model + "'";
}

int tokens_of(const std::vector<models::ChatMessage>& messages, std::size_t from, std::size_t to) {
  int n = 0;
  for (std::size_t i = from; i < to; ++i) n += models::message_tokens(messages[i]);
  return n;
}

// Cuts the newest turn's tool results, largest first, until the turn fits `budget`.
void cut_tool_results(std::vector<models::ChatMessage>& messages, std::size_t turn, int budget) {
  static constexpr std::string_view kCut = " [cut to fit the context window]";
  for (;;) {
    int over = tokens_of(messages, turn, messages.size()) - budget;
    if (over <= 0) return;
    models::ChatMessage* largest = nullptr;
    for (std::size_t i = turn; i < messages.size(); ++i)
      if (messages[i].role == "tool" && (!largest || messages[i].content.size() > largest->content.size()))
        largest = &messages[i];
    const int have = largest ? models::count_tokens(largest->content) : 0;
    if (have <= 8) return;  // nothing left worth cutting
    const int keep = std::max(0, have - over - 8);
    largest->content = std::string(models::cut_to_tokens(largest->content, keep)) + std::string(kCut);
  }
}

}  // namespace

Budget plan_budget(const Agent& agent, const std::string& model, int window, std::optional<int> max_tokens,
                   int fixed_tokens, bool server_tools, const ContextSettings& settings) {
  Budget b;
  b.agent = agent.slug.empty() ? agent.name : agent.slug;
  b.model = model;
  b.window = window;
  if (agent.max_output_tokens) b.output = std::min(*agent.max_output_tokens, max_tokens.value_or(*agent.max_output_tokens));
  else if (max_tokens) b.output = *max_tokens;
  else b.output = std::min(settings.output_reserve, window / 4);
  b.fixed = fixed_tokens;
  b.tool_results = server_tools ? static_cast<int>(window * settings.tool_share) : 0;
  b.summary = static_cast<int>(window * settings.summary_share);
  // Room for at least a short question beside the summary.
  if (b.output + b.fixed > window || b.history() < 32)
    throw AppError(ErrorKind::bad_request, "context_window_exceeded",
                   "Agent '" + b.agent + "' does not fit " + window_of(b) + ": its instruction and tools take " +
                       std::to_string(b.fixed) + " tokens and the answer " + std::to_string(b.output) +
                       ", leaving no room for the conversation. Shorten the instruction, lower max_output_tokens or "
                       "configure a larger window.");
  return b;
}

std::size_t fit_turns(std::vector<models::ChatMessage>& messages, std::size_t from, int budget, const Budget& b) {
  // Where the turn that ends at `end` begins: its user message, with the system notes right
  // before it (the Agents API's context); `from` when there is none.
  auto turn_start = [&](std::size_t end) {
    std::size_t start = end;
    while (start > from && messages[start - 1].role != "user") --start;
    if (start == from) return from;
    --start;
    while (start > from && messages[start - 1].role == "system") --start;
    return start;
  };
  if (from >= messages.size()) return messages.size();
  const std::size_t newest = turn_start(messages.size());
  cut_tool_results(messages, newest, budget);
  int used = tokens_of(messages, newest, messages.size());
  if (used > budget)
    throw AppError(ErrorKind::bad_request, "context_length_exceeded",
                   "The newest message takes " + std::to_string(used) + " tokens, more than the " +
                       std::to_string(std::max(0, budget)) + " that agent '" + b.agent + "' has for the conversation in " +
                       window_of(b) + ". Send a shorter message.");
  // Older turns, newest first, while whole turns fit.
  std::size_t first = newest;
  while (first > from) {
    const std::size_t start = turn_start(first);
    const int turn = tokens_of(messages, start, first);
    if (used + turn > budget) break;
    used += turn;
    first = start;
  }
  return first;
}

}  // namespace agentd::agents
