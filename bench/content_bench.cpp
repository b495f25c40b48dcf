// Generated content against the real agentd binary (Release): queue builtin image generations
// and report completions per second, and the p99 of an authenticated read (GET
// /api/external/credits?limit=5) measured while they run next to the same read on the idle
// server. Goal: idle p99 / busy p99 >= 0.8 (generation runs on the CPU pool, never on the io
// thread). Usage: content_bench AGENTD_BINARY [generations=500] [side=512]
#include "agentd_process.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

#include <boost/json.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <thread>

namespace json = boost::json;
using agentd::bench::percentile;
using agentd::bench::reads;
using Clock = std::chrono::steady_clock;


int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: content_bench AGENTD_BINARY [generations] [side]\n";
    return 2;
  }
  const int n = argc > 2 ? std::atoi(argv[2]) : 500;
  const int side = argc > 3 ? std::atoi(argv[3]) : 512;
  try {
    agentd::bench::AgentdProcess agentd(argv[1], {{"log_level", "warn"}}, "content-bench");
    const auto idle = reads(agentd, 5);
    agentd::bench::HttpClient c(agentd.port(), "X-API-Key", agentd.key());
    const auto t0 = Clock::now();
    for (int i = 0; i < n; ++i)
      c.call("POST", "/api/external/content",
             json::serialize(json::object{{"prompt", "Picture number " + std::to_string(i) + " of a lighthouse at dusk"},
                                          {"content_type", "image"},
                                          {"input", {{"width", side}, {"height", side}}}}));
    const double queued = std::chrono::duration<double>(Clock::now() - t0).count();
    std::atomic<bool> done{false};
    std::vector<double> busy;
    std::thread reader([&] { busy = reads(agentd, 600, &done); });
    SQLite::Database db(agentd.data_dir() + "/agentd.db", SQLite::OPEN_READONLY);
    int completed = 0;
    while (completed < n && std::chrono::duration<double>(Clock::now() - t0).count() < 600) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      SQLite::Statement q(db, "SELECT count(*) FROM content_items WHERE status = 'completed'");
      q.executeStep();
      completed = q.getColumn(0).getInt();
    }
    const double seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    done = true;
    reader.join();
    std::printf("%d image generations (%dx%d) queued in %.2f s; %d completed in %.1f s: %.1f completions/s\n", n, side, side,
                queued, completed, seconds, completed / seconds);
    const double p99_idle = percentile(idle, 0.99), p99_busy = percentile(busy, 0.99);
    std::printf("authenticated read, idle: %zu reads, p50 %.3f ms, p99 %.3f ms\n", idle.size(), percentile(idle, 0.5) * 1e3,
                p99_idle * 1e3);
    std::printf("authenticated read, while generating: %zu reads, p50 %.3f ms, p99 %.3f ms\n", busy.size(),
                percentile(busy, 0.5) * 1e3, p99_busy * 1e3);
    std::printf("ratio idle p99 / busy p99: %.2f (goal >= 0.8)\n", p99_idle / p99_busy);
  } catch (const std::exception& e) {
    std::cerr << "bench failed: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
