// The job scheduler inside a running App: success, retry with backoff on the injected clock,
// permanent failure, the watchdog, bounded concurrency, and resumption after a restart.
#include "harness.hpp"

#include "jobs/queue.hpp"

#include <gtest/gtest.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <thread>

using namespace agentd;
using namespace agentd::testing;
namespace net = boost::asio;

namespace {

struct Probe {
  std::atomic<int> calls{0};
  std::atomic<int> concurrent{0};
  std::atomic<int> max_concurrent{0};
};

jobs::JobRow row(InProcessServer& s, std::int64_t id) {
  return *s.app().store.read([&](db::Conn& c) { return jobs::find_job(c, id); });
}

bool wait_for_state(InProcessServer& s, std::int64_t id, const std::string& state) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    if (row(s, id).state == state) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // poll interval
  }
  return false;
}

std::int64_t enqueue(InProcessServer& s, const std::string& kind, int max_attempts = 3) {
  const double now = s.app().clock.unix_seconds();
  const auto id = s.app().store.write([&](db::Conn& c) {
    return jobs::enqueue(c, {kind, std::nullopt, {}, max_attempts, 0}, now);
  });
  s.on_io_thread([&] { s.app().jobs.wake(); });
  return id;
}

}  // namespace

TEST(JobScheduler, RunsJobsRetriesTransientErrorsAndFailsPermanentOnes) {
  ManualClock clock(static_cast<double>(std::time(nullptr)));
  Probe probe;
  InProcessServer server({}, &clock, [&](App& app) {
    app.jobs.add_kind("ok", {}, [&](const jobs::Job&, jobs::JobContext&) -> net::awaitable<void> {
      ++probe.calls;
      co_return;
    });
    app.jobs.add_kind("flaky", {}, [&](const jobs::Job& job, jobs::JobContext&) -> net::awaitable<void> {
      if (job.attempts == 1) throw std::runtime_error("upstream unavailable");
      co_return;
    });
    app.jobs.add_kind("broken", {}, [&](const jobs::Job&, jobs::JobContext&) -> net::awaitable<void> {
      throw jobs::JobError("PDF has no extractable text", true);
      co_return;
    });
  });
  const auto ok = enqueue(server, "ok");
  EXPECT_TRUE(wait_for_state(server, ok, "succeeded"));
  EXPECT_EQ(probe.calls.load(), 1);

  const auto flaky = enqueue(server, "flaky");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (row(server, flaky).last_error.empty() && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
  EXPECT_EQ(row(server, flaky).state, "pending");
  EXPECT_EQ(row(server, flaky).last_error, "upstream unavailable");
  clock.advance(1.0);  // the backoff after one failure
  server.on_io_thread([&] { server.app().jobs.wake(); });
  EXPECT_TRUE(wait_for_state(server, flaky, "succeeded"));
  EXPECT_EQ(row(server, flaky).attempts, 2);

  const auto broken = enqueue(server, "broken", 5);
  EXPECT_TRUE(wait_for_state(server, broken, "failed"));
  EXPECT_EQ(row(server, broken).attempts, 1);
  EXPECT_EQ(row(server, broken).last_error, "PDF has no extractable text");

  // Job gauges are as of the scheduler's last poll (at most 250 ms old): poll with a deadline.
  const std::string line = "agentd_jobs{kind=\"broken\",state=\"failed\"} 1";
  std::string metrics;
  const auto metrics_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  do metrics = http_call(server.port(), "GET", "/metrics").body;
  while (metrics.find(line) == std::string::npos && std::chrono::steady_clock::now() < metrics_deadline);
  EXPECT_NE(metrics.find(line), std::string::npos) << metrics;
}

TEST(JobScheduler, TheWatchdogFailsAHungJobAndFreesItsSlot) {
  ManualClock clock(static_cast<double>(std::time(nullptr)));
  std::atomic<int> started{0};
  std::atomic<bool> saw_cancel{false};
  std::unique_ptr<net::steady_timer> forever;
  InProcessServer server({}, &clock, [&](App& app) {
    forever = std::make_unique<net::steady_timer>(app.ioc, std::chrono::seconds(30));
    app.jobs.add_kind("hang", {1, 5.0}, [&](const jobs::Job& job, jobs::JobContext& ctx) -> net::awaitable<void> {
      ++started;
      if (job.id == 1) {
        co_await forever->async_wait(net::as_tuple(net::use_awaitable));
        saw_cancel = ctx.cancelled->load();
      }
    });
  });
  const auto hung = enqueue(server, "hang");
  const auto next = enqueue(server, "hang");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (started.load() < 1 && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
  EXPECT_EQ(row(server, next).state, "pending");  // concurrency 1: waits for the slot
  clock.advance(6.0);
  server.on_io_thread([&] { server.app().jobs.wake(); });
  EXPECT_TRUE(wait_for_state(server, hung, "failed"));
  EXPECT_EQ(row(server, hung).last_error, "timed out: the job overran its lease");
  EXPECT_TRUE(wait_for_state(server, next, "succeeded"));
  server.on_io_thread([&] { forever->cancel(); });
  while (!saw_cancel.load() && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
  EXPECT_TRUE(saw_cancel.load());
  EXPECT_EQ(row(server, hung).state, "failed");  // its late end changes nothing
  server.on_io_thread([&] { forever.reset(); });
}

TEST(JobScheduler, ConcurrencyPerKindIsBounded) {
  Probe probe;
  std::vector<std::int64_t> ids;
  InProcessServer server({}, nullptr, [&](App& app) {
    app.jobs.add_kind("work", {2, 60}, [&](const jobs::Job&, jobs::JobContext&) -> net::awaitable<void> {
      const int now = ++probe.concurrent;
      int seen = probe.max_concurrent.load();
      while (now > seen && !probe.max_concurrent.compare_exchange_weak(seen, now)) {}
      net::steady_timer t(co_await net::this_coro::executor, std::chrono::milliseconds(5));
      co_await t.async_wait(net::use_awaitable);
      --probe.concurrent;
      ++probe.calls;
    });
  });
  for (int i = 0; i < 8; ++i) ids.push_back(enqueue(server, "work"));
  for (auto id : ids) EXPECT_TRUE(wait_for_state(server, id, "succeeded"));
  EXPECT_EQ(probe.calls.load(), 8);
  EXPECT_EQ(probe.max_concurrent.load(), 2);
}

TEST(JobScheduler, JobsOfADeadProcessResumeAtTheNextStart) {
  TempDir dir;
  std::int64_t id = 0;
  {
    db::Store store(dir.str(), 1);
    id = store.write([](db::Conn& c) { return jobs::enqueue(c, {"resume", std::nullopt, {}, 3, 0}, 0); });
    store.write([](db::Conn& c) { return jobs::claim_due(c, "resume", 1, 0, 3600); });  // then the process "dies"
  }
  std::atomic<int> ran{0};
  InProcessServer server([&](Config& c) { c.data_dir = dir.str(); }, nullptr, [&](App& app) {
    app.jobs.add_kind("resume", {}, [&](const jobs::Job& job, jobs::JobContext&) -> net::awaitable<void> {
      ran = job.attempts;
      co_return;
    });
  });
  EXPECT_TRUE(wait_for_state(server, id, "succeeded"));
  EXPECT_EQ(ran.load(), 2);
}
