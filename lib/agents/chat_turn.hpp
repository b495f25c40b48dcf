// The chat-turn service: one conversational turn, whatever the dialect. Opens the session and
// applies the context rule of API.md 3.1, resolves who answers (a named agent or the
// orchestrator's choice), runs the agent (streamed or not), stores the turn and prices it; a
// stream cut by a hang-up or an error is stored and priced for what was sent.
#pragma once

#include "agents/runtime.hpp"
#include "agents/sessions.hpp"
#include "core/clock.hpp"
#include "core/config.hpp"
#include "core/errors.hpp"
#include "core/money.hpp"

#include <functional>
#include <memory>

namespace agentd::agents {

struct Conversation {
  SessionOwner owner;
  Session session;  // id 0: a new session, stored with its first turn
  // The stored turns after the summary, then the new turns; the stored ones' row ids.
  std::vector<models::ChatMessage> context;
  std::vector<std::int64_t> context_rows;
  std::size_t preamble = 0;  // the context's first messages: the leading system ones, always sent
  std::vector<models::ChatMessage> new_turns;  // the request's messages less the repeated history
};

// The session's summary after this turn: it covers the context's first `folded` messages.
struct SummaryUpdate {
  std::string text;
  std::size_t folded = 0;
};

// Who answers. `named` is true when the request named an existing agent (needs agents:invoke).
struct Target {
  Agent agent;
  bool named = false;
};

// Settles the turn's charge inside the transaction that stores it (the access gate's
// Call::charge_now); empty: billed by the caller afterwards.
using Charge = std::function<void(db::Conn&, Micros cost)>;

struct TurnRequest {
  SessionOwner owner;
  std::string session_id;  // empty: a new session; unknown: a new session under this id
  std::vector<models::ChatMessage> messages;
  // Empty, "orchestrator" or a name that is no agent: the orchestrator routes the question.
  std::string agent_ref;
  // The route names the agent: unknown is 404 agent_not_found.
  bool agent_must_exist = false;
  std::vector<models::ToolSpec> client_tools;
  boost::json::value tool_choice;
  models::Sampling sampling;
  // The request's own token count: the prompt of a stream cut before the run counted it.
  int request_tokens = 0;
  Charge charge;
};

// An opened turn: its session, who answers, and what the agent will see.
struct Turn {
  Conversation conv;
  Target target;
  Invocation inv;
  int request_tokens = 0;
  Charge charge;
  std::optional<SummaryUpdate> summary;
  models::Usage summary_usage;  // a model's summary is billed with the turn
  std::shared_ptr<SessionActivity::Guard> busy;  // the session is `processing` while it lives
};

// Where a streamed answer goes as it is produced (the dialect's event shape is the adapter's).
class TurnStream {
 public:
  virtual ~TurnStream() = default;
  // Throws when the client has gone, which stops the producer.
  virtual boost::asio::awaitable<void> text(std::string_view text) = 0;
  virtual boost::asio::cancellation_slot hangup_slot() = 0;
  virtual bool client_gone() const = 0;
};

struct TurnOutcome {
  RunResult result;
  std::string message_id;  // the stored answer ("" when nothing was stored)
  Micros cost = 0;
  bool client_left = false;
  std::optional<AppError> failure;  // streamed only: the error to send as an event
};

class ChatTurns {
 public:
  ChatTurns(Runtime runtime, const Clock& clock, SessionActivity& activity, const Prices& prices)
      : rt_(std::move(runtime)), clock_(clock), activity_(activity), prices_(prices) {}

  // The session, the context rule, the target and what of the conversation fits its window
  // (turns that fall out are folded into the session's summary): 404 agent_not_found, 409
  // agent_inactive, 400 context_window_exceeded / context_length_exceeded.
  boost::asio::awaitable<Turn> open(TurnRequest request);
  // Runs to the end and stores the turn; a failure throws and stores nothing.
  boost::asio::awaitable<TurnOutcome> answer(Turn& turn);
  // Streams the answer's text through `stream`; the run is cancelled when the client hangs up.
  // Failures are returned, not thrown: what was sent is stored and priced.
  boost::asio::awaitable<TurnOutcome> answer_streamed(Turn& turn, TurnStream& stream);

  // Price of a completion of `tokens` tokens, and the reservation for a request body.
  Micros cost(int tokens) const;
  Micros estimate(std::string_view request_body) const;

 private:
  // Keeps the newest turns that fit the target's budget and folds the others into the summary.
  boost::asio::awaitable<void> fit_context(Turn& turn, const models::Sampling& sampling,
                                           const std::vector<models::ToolSpec>& client_tools);
  boost::asio::awaitable<std::string> summarize(const Agent& agent, const Budget& budget, const std::string& previous,
                                                std::vector<models::ChatMessage> fallen, models::Usage& usage);
  // Stores the turn and, in the same transaction, charges it.
  boost::asio::awaitable<std::string> record(Turn& turn, const RunResult& result, Micros cost);

  Runtime rt_;
  const Clock& clock_;
  SessionActivity& activity_;
  const Prices& prices_;
};

// A citation and a usage as stored with the message and shown in responses.
boost::json::object citation_json(const Citation& c);
boost::json::object usage_json(const models::Usage& u);

// The last user message: what the orchestrator routes on.
std::string last_user_text(const std::vector<models::ChatMessage>& messages);

}  // namespace agentd::agents
