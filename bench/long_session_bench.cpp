// Turn latency of one long session against the real agentd binary (started here, Release build):
// turns 1-20 of fresh sessions ("turn 10") against turns 2,001-2,200 of one session ("turn 2,000"),
// with the builtin model (its default 4,096-token window) and with an OpenAI-compatible upstream
// on loopback (a 2,000-token window). Goal: ratio <= 1.2 (docs/architecture.md, "Long
// conversations"). Usage: long_session_bench AGENTD_BINARY [turns=2000]
#include "agentd_process.hpp"
#include "fake_openai.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>

namespace json = boost::json;
using agentd::testing::FakeOpenAI;
using agentd::testing::FakeReply;
using Clock = std::chrono::steady_clock;
using agentd::bench::percentile;

namespace {

// One keep-alive connection; each call is one turn.
struct Client {
  agentd::bench::HttpClient http;
  Client(unsigned short port, const std::string& key) : http(port, "X-API-Key", key) {}
  json::object post(const std::string& target, const json::object& body) {
    return json::parse(http.call("POST", target, json::serialize(body))).as_object();
  }
};

std::string turn_text(int turn) {
  return turn == 1 ? "My locker code is 4417. Please keep it in mind."
                   : "Can you tell me what the weather is like in city number " + std::to_string(turn) + "?";
}

// One turn; returns its seconds and the prompt tokens it sent.
std::pair<double, std::int64_t> turn(Client& client, const std::string& agent, const std::string& session, int n) {
  json::object body{{"model", agent}, {"session_id", session},
                    {"messages", json::array{{{"role", "user"}, {"content", turn_text(n)}}}}};
  const auto t0 = Clock::now();
  const auto answer = client.post("/api/external/v1/chat/completions", body);
  return {std::chrono::duration<double>(Clock::now() - t0).count(), answer.at("usage").at("prompt_tokens").as_int64()};
}

struct Figures {
  double early = 0, late = 0;
  std::int64_t early_prompt = 0, late_prompt = 0;
};

// The long session is carried to `turns`; then its next 200 turns alternate with the turns of
// fresh sessions kept between turn 1 and 20 (median turn 10), so that both are measured at the
// same moments of a noisy machine.
Figures session(Client& client, const std::string& agent, int turns) {
  const std::string long_id = "long-" + agent;
  for (int n = 1; n <= turns; ++n) turn(client, agent, long_id, n);
  std::vector<double> early, late;
  std::vector<std::int64_t> early_prompt, late_prompt;
  for (int i = 0; i < 200; ++i) {
    auto [s1, p1] = turn(client, agent, "short-" + agent + "-" + std::to_string(i / 20), i % 20 + 1);
    early.push_back(s1);
    early_prompt.push_back(p1);
    auto [s2, p2] = turn(client, agent, long_id, turns + 1 + i);
    late.push_back(s2);
    late_prompt.push_back(p2);
  }
  Figures f;
  f.early = percentile(early, 0.5);
  f.late = percentile(late, 0.5);
  f.early_prompt = *std::max_element(early_prompt.begin(), early_prompt.end());
  f.late_prompt = late_prompt.back();
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: long_session_bench AGENTD_BINARY [turns]\n";
    return 2;
  }
  const std::string binary = argv[1];
  const int turns = argc > 2 ? std::atoi(argv[2]) : 2000;

  FakeOpenAI upstream([](const json::object&, int) {
    FakeReply r;
    r.body = agentd::testing::openai_answer("It is probably sunny there, but I cannot check the weather.");
    return r;
  });
  json::object local{{"base_url", upstream.base_url()}, {"context_windows", {{"small", 2000}}}};
  // BENCH_BEFORE_WINDOWS: a binary from before context windows (for a before/after figure).
  if (std::getenv("BENCH_BEFORE_WINDOWS")) local.erase("context_windows");
  try {
    agentd::bench::AgentdProcess agentd(binary, {{"log_level", "warn"}, {"providers", {{"local", std::move(local)}}}},
                                        "long-session-bench");
    Client client(agentd.port(), agentd.key());
    client.post("/api/external/agents", {{"name", "Local"}, {"model", "builtin"}, {"instruction", "Be brief."}});
    client.post("/api/external/agents", {{"name", "Relay"}, {"model", "local/small"}, {"instruction", "Be brief."}});
    std::printf("median of 200 turns each: turns 1-20 of fresh sessions vs turns %d-%d of one session, alternated\n",
                turns + 1, turns + 200);
    for (const auto& [label, agent] : {std::pair{"builtin model (4,096-token window)", "local"},
                                       std::pair{"loopback upstream (2,000-token window)", "relay"}}) {
      if (const char* only = std::getenv("BENCH_ONLY"); only && std::string(only) != agent) continue;
      const Figures f = session(client, agent, turns);
      std::printf("%-40s turn 10: %.3f ms (prompt <= %lld tokens)  turn %d: %.3f ms (prompt %lld tokens)  ratio %.2f (goal <= 1.2)\n",
                  label, f.early * 1e3, static_cast<long long>(f.early_prompt), turns, f.late * 1e3,
                  static_cast<long long>(f.late_prompt), f.late / f.early);
    }
  } catch (const std::exception& e) {
    std::cerr << "bench failed: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
