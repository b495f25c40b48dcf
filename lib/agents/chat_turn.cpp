#include "agents/chat_turn.hpp"

#include "core/ids.hpp"
#include "core/log.hpp"
#include "models/summary.hpp"
#include "models/tokens.hpp"

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <boost/json.hpp>

#include <algorithm>

namespace agentd::agents {
namespace net = boost::asio;
namespace json = boost::json;

namespace {

// The orchestrator answers itself when an organization has no active agent.
Agent orchestrator_agent() {
  Agent a;
  a.id = a.uuid = a.slug = kOrchestratorId;
  a.name = "Orchestrator";
  a.model = "builtin";
  return a;
}

}  // namespace

json::object citation_json(const Citation& c) {
  json::object o{{"index", c.index}, {"datastore_id", c.datastore_id}, {"filename", c.filename},
                 {"upload_id", c.upload_id}};
  if (c.page) o["page"] = *c.page;
  if (c.slide) o["slide"] = *c.slide;
  if (c.line) o["line"] = *c.line;
  if (!c.heading.empty()) o["heading"] = c.heading;
  o["text"] = c.text;
  return o;
}

json::object usage_json(const models::Usage& u) {
  return {{"prompt_tokens", u.prompt_tokens}, {"completion_tokens", u.completion_tokens}, {"total_tokens", u.total()}};
}

std::string last_user_text(const std::vector<models::ChatMessage>& messages) {
  for (auto it = messages.rbegin(); it != messages.rend(); ++it)
    if (it->role == "user") return it->content;
  return {};
}

namespace {

// A conversation's leading system messages (a client's own system prompt) are its preamble:
// sent on every turn, never summarized; at most this many.
constexpr std::size_t kPreamble = 8;

// What was stored of the session: as many first messages as the request has (and the
// preamble), and the messages after the summary.
struct Stored {
  std::optional<Session> session;
  std::vector<RowMessage> head, tail;
};

Stored read_stored(db::Conn& c, const SessionOwner& owner, const std::string& session_id, std::size_t request_messages) {
  Stored out;
  if (session_id.empty()) return out;
  out.session = find_session(c, owner, session_id);
  if (!out.session) return out;
  const auto wanted = static_cast<std::int64_t>(std::max(request_messages, kPreamble));
  out.head = session_head(c, *out.session, std::min(wanted, out.session->message_count));
  out.tail = session_tail(c, *out.session);
  return out;
}

// The context rule of API.md 3.1 over what was stored: the preamble, the turns after the
// summary, then the request's messages less a leading run that repeats the stored history.
Conversation conversation_of(const SessionOwner& owner, const std::string& session_id, Stored stored,
                             const std::vector<models::ChatMessage>& messages) {
  auto leading_system = [](std::size_t size, auto role_of) {
    std::size_t n = 0;
    while (n < size && n < kPreamble && role_of(n) == "system") ++n;
    return n;
  };
  Conversation conv;
  conv.owner = owner;
  if (!stored.session) {
    conv.new_turns = messages;
    conv.preamble = leading_system(messages.size(), [&](std::size_t i) -> const std::string& { return messages[i].role; });
    conv.session.public_id = session_id.empty() ? uuid_v4() : session_id;
  } else {
    conv.session = std::move(*stored.session);
    const auto& head = stored.head;
    std::size_t repeated = 0;
    while (repeated < head.size() && repeated < messages.size() && messages[repeated].role == head[repeated].message.role &&
           messages[repeated].content == head[repeated].message.content &&
           messages[repeated].tool_call_id == head[repeated].message.tool_call_id)
      ++repeated;
    conv.new_turns.assign(messages.begin() + static_cast<std::ptrdiff_t>(repeated), messages.end());
    // The preamble, where the summary has gone past it, then the turns after the summary.
    conv.preamble = leading_system(head.size(), [&](std::size_t i) -> const std::string& { return head[i].message.role; });
    for (std::size_t i = 0; i < conv.preamble; ++i)
      if (head[i].row_id <= conv.session.summary_through)
        stored.tail.insert(stored.tail.begin() + static_cast<std::ptrdiff_t>(i), head[i]);
    for (auto& m : stored.tail) {
      conv.context_rows.push_back(m.row_id);
      conv.context.push_back(std::move(m.message));
    }
  }
  conv.context.insert(conv.context.end(), conv.new_turns.begin(), conv.new_turns.end());
  return conv;
}

// The agent the request names, else the orchestrator's choice among the active ones (the
// session's previous agent first: route() falls back to the first one). Routing scores every
// agent profile: done on the worker beside the read, not on the io thread.
struct Found {
  std::optional<Agent> named, routed;
};
Found find_target(db::Conn& c, std::int64_t org_id, const std::string& ref, const std::string& question,
                  const std::string& previous_agent_id) {
  Found found;
  if (!ref.empty() && ref != kOrchestratorId) found.named = find_agent(c, org_id, ref);
  if (found.named) return found;
  auto active = list_agents(c, org_id, AgentQuery{.is_active = true}).agents;
  auto previous = std::find_if(active.begin(), active.end(), [&](const Agent& a) { return a.id == previous_agent_id; });
  if (previous != active.end()) std::rotate(active.begin(), previous, previous + 1);
  found.routed = route(active, question);
  return found;
}

// 409 agent_inactive for a named inactive agent; 404 agent_not_found when the route names one
// that does not exist.
Target target_of(Found found, const std::string& ref, bool must_exist) {
  if (found.named) {
    if (!found.named->is_active) throw AppError(ErrorKind::conflict, "agent_inactive", "Agent is not active: " + ref);
    return Target{std::move(*found.named), true};
  }
  if (must_exist) throw not_found("agent_not_found", "Agent not found: " + ref);
  return Target{found.routed ? std::move(*found.routed) : orchestrator_agent(), false};
}

}  // namespace

net::awaitable<std::string> ChatTurns::summarize(const Agent& agent, const Budget& budget, const std::string& previous,
                                                 std::vector<models::ChatMessage> fallen, models::Usage& usage) {
  const int cap = budget.summary - models::message_tokens(models::summary_message(""));
  if (agent.agent_type == "LLM_AGENT") {
    const auto resolved = model_of(rt_, agent);
    if (resolved.model_summary) {
      try {
        // The request and the (empty) sink outlive the coroutine that takes them by reference.
        const auto request = models::summary_request(resolved.model, previous, fallen, cap, resolved.context_window);
        const models::TextSink not_streamed;
        auto asking = resolved.provider->complete(request, not_streamed);
        const models::Completion c = co_await std::move(asking);
        usage += c.usage;
        co_return std::string(models::cut_to_tokens(c.content, cap));
      } catch (const AppError& e) {
        log::warn("summary by model " + agent.model + " failed (" + e.message + "), summarizing extractively");
      }
    }
  }
  co_return models::extractive_summary(previous, fallen, cap);
}

net::awaitable<void> ChatTurns::fit_context(Turn& t, const models::Sampling& sampling,
                                            const std::vector<models::ToolSpec>& client_tools) {
  const Budget budget = budget_for(rt_, t.target.agent, client_tools, sampling);
  auto& context = t.conv.context;
  const std::string& summary = t.conv.session.summary;
  const std::size_t pinned = t.conv.preamble;
  int history = budget.history();
  for (std::size_t i = 0; i < pinned; ++i) history -= models::message_tokens(context[i]);
  // The summary's share is kept free once there is, or is about to be, a summary.
  std::size_t first = fit_turns(context, pinned, summary.empty() ? history : history - budget.summary, budget);
  if (summary.empty() && first > pinned) first = fit_turns(context, pinned, history - budget.summary, budget);
  std::string kept_summary = summary;
  if (first > pinned) {
    std::vector<models::ChatMessage> fallen(context.begin() + static_cast<std::ptrdiff_t>(pinned),
                                            context.begin() + static_cast<std::ptrdiff_t>(first));
    auto summarizing = summarize(t.target.agent, budget, summary, std::move(fallen), t.summary_usage);
    kept_summary = co_await std::move(summarizing);
    t.summary = SummaryUpdate{kept_summary, first};
  }
  t.inv.messages.assign(std::make_move_iterator(context.begin()),
                        std::make_move_iterator(context.begin() + static_cast<std::ptrdiff_t>(pinned)));
  if (!kept_summary.empty()) t.inv.messages.push_back(models::summary_message(kept_summary));
  t.inv.messages.insert(t.inv.messages.end(), std::make_move_iterator(context.begin() + static_cast<std::ptrdiff_t>(first)),
                        std::make_move_iterator(context.end()));
  context.clear();
}

// Stores the new turns and the answer (also a partial one) and charges them in one transaction:
// nothing is stored unbilled, also across a crash. Returns the answer's message id.
net::awaitable<std::string> ChatTurns::record(Turn& turn, const RunResult& result, Micros cost) {
  Conversation& conversation = turn.conv;
  std::vector<NewTurn> turns;
  for (const auto& m : conversation.new_turns) turns.push_back({m, {}, std::nullopt, {}});
  NewTurn answer;
  answer.message.role = "assistant";
  answer.message.content = result.content;
  answer.message.tool_calls = result.tool_calls;
  answer.agent_id = turn.target.agent.id;
  answer.usage = usage_json(result.usage);
  for (const auto& c : result.citations) answer.citations.push_back(citation_json(c));
  turns.push_back(std::move(answer));
  const double now = clock_.unix_seconds();
  auto work = rt_.db.write([owner = conversation.owner, id = conversation.session.public_id, turns = std::move(turns), now,
                            &charge = turn.charge, cost, &summary = turn.summary,
                            &stored_rows = conversation.context_rows](db::Conn& c) mutable {
    Session session = open_session(c, owner, id, now);
    Appended appended = append_turns(c, session, turns, now);
    if (summary && summary->folded > 0) {
      // The last folded message: a stored one, or one of the turns just appended.
      const std::size_t last = summary->folded - 1;
      const std::int64_t through =
          last < stored_rows.size() ? stored_rows[last] : appended.row_ids[last - stored_rows.size()];
      store_summary(c, session, summary->text, through);
    }
    if (charge) charge(c, cost);
    return std::make_pair(std::move(session), std::move(appended.last_public_id));
  });
  auto [session, message_id] = co_await std::move(work);
  conversation.session = std::move(session);
  conversation.new_turns.clear();
  co_return message_id;
}

Micros ChatTurns::cost(int tokens) const {
  return prices_.completion_base + (prices_.completion_per_1000_tokens * tokens + 999) / 1000;
}

// Reserved before any work: the base price and the request's own text plus a 1,024-token answer.
Micros ChatTurns::estimate(std::string_view request_body) const { return cost(models::count_tokens(request_body) + 1024); }

net::awaitable<Turn> ChatTurns::open(TurnRequest req) {
  Turn t;
  // One read: the session as stored, the conversation it makes with the request, who answers.
  auto reading = rt_.db.read([owner = req.owner, id = req.session_id, ref = req.agent_ref,
                              messages = std::move(req.messages)](db::Conn& c) {
    Conversation conv = conversation_of(owner, id, read_stored(c, owner, id, messages.size()), messages);
    Found found = find_target(c, owner.org_id, ref, last_user_text(conv.context), conv.session.agent_id);
    return std::make_pair(std::move(conv), std::move(found));
  });
  auto [conv, found] = co_await std::move(reading);
  t.conv = std::move(conv);
  t.target = target_of(std::move(found), req.agent_ref, req.agent_must_exist);
  // Before anything runs: 503 model_unavailable, 400 when the window cannot hold the turn.
  auto fitting = fit_context(t, req.sampling, req.client_tools);
  co_await std::move(fitting);
  t.busy = std::make_shared<SessionActivity::Guard>(activity_, SessionActivity::key(req.owner, t.conv.session.public_id));
  t.inv.org_id = req.owner.org_id;
  t.inv.user_id = req.owner.user_id;
  t.inv.client_tools = std::move(req.client_tools);
  t.inv.tool_choice = std::move(req.tool_choice);
  t.inv.sampling = std::move(req.sampling);
  t.request_tokens = req.request_tokens;
  t.charge = std::move(req.charge);
  co_return t;
}

net::awaitable<TurnOutcome> ChatTurns::answer(Turn& t) {
  TurnOutcome out;
  auto running = run_agent(rt_, t.target.agent, std::move(t.inv));  // a turn runs once
  out.result = co_await std::move(running);
  out.result.usage += t.summary_usage;
  out.cost = cost(out.result.usage.total());
  auto recording = record(t, out.result, out.cost);
  out.message_id = co_await std::move(recording);
  co_return out;
}

net::awaitable<TurnOutcome> ChatTurns::answer_streamed(Turn& t, TurnStream& stream) {
  TurnOutcome out;
  std::string produced;  // what reached the client, for the session and the bill when cut short
  const models::TextSink sink = [&](std::string_view text) -> net::awaitable<void> {
    produced += text;
    auto sending = stream.text(text);
    co_await std::move(sending);
  };
  t.inv.sink = sink;
  try {
    // The work is bound to the client: a hang-up cancels it, upstream requests included.
    auto running = net::co_spawn(rt_.executor, run_agent(rt_, t.target.agent, std::move(t.inv)),
                                 net::bind_cancellation_slot(stream.hangup_slot(), net::use_awaitable));
    out.result = co_await std::move(running);
  } catch (const AppError& e) {
    out.failure = e;
  } catch (const boost::system::system_error& e) {
    if (e.code() == net::error::operation_aborted || stream.client_gone()) out.client_left = true;
    else out.failure = internal_error();
  } catch (const std::exception& e) {
    log::write(log::Level::error, {{"msg", "completion failed"}, {"error", e.what()}});
    out.failure = internal_error();
  }
  out.client_left = out.client_left || stream.client_gone();
  if (out.failure || out.client_left) {
    // Kept and priced as far as it went.
    RunResult& r = out.result;
    r.content = produced;
    r.tool_calls.clear();
    r.citations.clear();
    r.usage.prompt_tokens = std::max(r.usage.prompt_tokens, t.request_tokens);
    r.usage.completion_tokens = models::count_tokens(produced);
    r.finish_reason = out.client_left ? "cancelled" : "error";
  }
  out.result.usage += t.summary_usage;
  out.cost = cost(out.result.usage.total());
  if (!out.failure || !produced.empty()) {
    auto recording = record(t, out.result, out.cost);
    out.message_id = co_await std::move(recording);
  }
  co_return out;
}

}  // namespace agentd::agents
