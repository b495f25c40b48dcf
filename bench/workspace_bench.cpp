// The Workspace API against the real agentd binary (Release): `GET /api/v1/contacts?filter[search]=`
// over 100,000 contacts (p50, p99 per kind of query), and 10,000 reminders due in the same
// second: all dispatched, and the spread between the due time and each dispatch (p50, p99, max;
// goal max < 1 s), read from the data directory's `reminders.dispatched_unix`.
// Usage: workspace_bench AGENTD_BINARY [contacts=100000] [reminders=10000]
#include "agentd_process.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

#include <boost/json.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <thread>

namespace json = boost::json;
using agentd::bench::percentile;
using Clock = std::chrono::steady_clock;

namespace {

constexpr int kThreads = 4;

// One keep-alive connection with the bench key as Bearer; answers parsed.
struct Client {
  agentd::bench::HttpClient http;
  Client(unsigned short port, const std::string& key) : http(port, "Authorization", "Bearer " + key) {}
  json::object call(const char* method, const std::string& target, const json::object* body = nullptr) {
    return json::parse(http.call(method, target, body ? json::serialize(*body) : std::string())).as_object();
  }
};

const char* kCompanies[] = {"Acme", "Globex", "Initech", "Umbrella", "Hooli", "Vandelay", "Stark", "Wayne", "Tyrell", "Cyberdyne"};
const char* kFirst[] = {"Anna", "Ben", "Clara", "David", "Eva", "Felix", "Greta", "Hugo", "Ida", "Jonas", "Karl", "Lena"};

// Runs fn(client, i) for i in [0, n) on kThreads connections.
template <class F>
void in_parallel(const agentd::bench::AgentdProcess& agentd, int n, F fn) {
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      Client c(agentd.port(), agentd.key());
      for (int i = t; i < n; i += kThreads) fn(c, i);
    });
  for (auto& th : threads) th.join();
}

void contacts(const agentd::bench::AgentdProcess& agentd, int n) {
  const auto t0 = Clock::now();
  in_parallel(agentd, n, [](Client& c, int i) {
    const json::object body{{"name", std::string(kFirst[i % 12]) + " Person" + std::to_string(i)},
                            {"email", "person" + std::to_string(i) + "@" + kCompanies[i % 10] + ".example"},
                            {"company", kCompanies[i % 10]},
                            {"tags", json::array{i % 7 == 0 ? "vip" : "lead"}}};
    c.call("POST", "/api/v1/contacts", &body);
  });
  const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  std::printf("created %d contacts in %.1f s (%.0f/s over %d connections)\n", n, seconds, n / seconds, kThreads);
  Client c(agentd.port(), agentd.key());
  const std::vector<std::pair<const char*, std::string>> queries = {
      {"one contact (person12345)", "person12345"},
      {"a company (a tenth)", "globex"},
      {"a tag (a seventh)", "vip"},
      {"two letters (a scan)", "an"},
      {"nothing", "zzzqqq"},
  };
  std::printf("%-28s %10s %10s %10s\n", "filter[search]", "matches", "p50 ms", "p99 ms");
  for (const auto& [label, q] : queries) {
    std::vector<double> samples;
    std::int64_t total = 0;
    for (int i = 0; i < 300; ++i) {
      const auto s = Clock::now();
      const auto page = c.call("GET", "/api/v1/contacts?filter[search]=" + q);
      samples.push_back(std::chrono::duration<double>(Clock::now() - s).count());
      total = page.at("meta").at("total").as_int64();
    }
    std::printf("%-28s %10lld %10.2f %10.2f\n", label, static_cast<long long>(total), percentile(samples, 0.5) * 1e3,
                percentile(samples, 0.99) * 1e3);
  }
}

void reminders(const agentd::bench::AgentdProcess& agentd, int n) {
  Client c(agentd.port(), agentd.key());
  // 100 agents, half of them with a room (the others get one at their first reminder).
  std::vector<std::string> agents;
  for (int i = 0; i < 100; ++i) {
    const json::object body{{"name", "Agent " + std::to_string(i)}};
    agents.push_back(std::string(c.call("POST", "/api/v1/agents", &body).at("data").at("uuid").as_string()));
    if (i % 2 == 0) {
      const json::object room{{"agentUuid", agents.back()}, {"name", "Main"}};
      c.call("POST", "/api/v1/rooms", &room);
    }
  }
  // Due at a whole second far enough ahead for every reminder to be created first.
  const double due = std::ceil(std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count()) + 15;
  const std::time_t due_t = static_cast<std::time_t>(due);
  char at[32];
  std::strftime(at, sizeof at, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&due_t));
  const auto t0 = Clock::now();
  in_parallel(agentd, n, [&](Client& cl, int i) {
    const json::object body{{"text", "Reminder number " + std::to_string(i)}, {"scheduledAt", at}};
    cl.call("POST", "/api/v1/agents/" + agents[static_cast<std::size_t>(i) % agents.size()] + "/reminders", &body);
  });
  std::printf("created %d reminders due at %s in %.1f s\n", n, at, std::chrono::duration<double>(Clock::now() - t0).count());
  SQLite::Database db(agentd.data_dir() + "/agentd.db", SQLite::OPEN_READONLY);
  std::vector<double> spread;
  for (int waited = 0; waited < 600; ++waited) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    SQLite::Statement count(db, "SELECT count(*) FROM reminders WHERE dispatched_unix IS NOT NULL");
    count.executeStep();
    if (count.getColumn(0).getInt() >= n) break;
  }
  SQLite::Statement q(db, "SELECT dispatched_unix FROM reminders WHERE dispatched_unix IS NOT NULL");
  while (q.executeStep()) spread.push_back(q.getColumn(0).getDouble() - due);
  SQLite::Statement messages(db, "SELECT count(*) FROM chat_messages WHERE content LIKE 'Reminder number %'");
  messages.executeStep();
  std::printf("dispatched %zu of %d (messages posted: %d); due -> dispatchedAt: p50 %.0f ms, p99 %.0f ms, max %.0f ms (goal max < 1000 ms)\n",
              spread.size(), n, messages.getColumn(0).getInt(), percentile(spread, 0.5) * 1e3, percentile(spread, 0.99) * 1e3,
              spread.empty() ? 0.0 : *std::max_element(spread.begin(), spread.end()) * 1e3);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: workspace_bench AGENTD_BINARY [contacts] [reminders]\n";
    return 2;
  }
  try {
    agentd::bench::AgentdProcess agentd(argv[1], {{"log_level", "warn"}}, "workspace-bench");
    contacts(agentd, argc > 2 ? std::atoi(argv[2]) : 100'000);
    reminders(agentd, argc > 3 ? std::atoi(argv[3]) : 10'000);
  } catch (const std::exception& e) {
    std::cerr << "bench failed: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
