// Runs the persistent job queue on the io thread: every poll (or when woken) it fails jobs that
// overran their lease (the watchdog), claims due jobs for each kind up to that kind's concurrency
// and runs their handlers as coroutines. Handlers move CPU work to a worker pool themselves.
// A handler's exception decides the outcome: JobError{permanent} fails at once, anything else
// is retried with backoff until the job's attempts are spent.
#pragma once

#include "core/clock.hpp"
#include "jobs/queue.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>

namespace agentd::db { class Conn; class Store; }

namespace agentd::jobs {

struct JobError : std::runtime_error {
  JobError(const std::string& message, bool permanent) : std::runtime_error(message), permanent(permanent) {}
  bool permanent;
};

struct JobContext {
  // Set when the watchdog has failed the job: long work should check it and stop.
  std::shared_ptr<std::atomic<bool>> cancelled;
  // A batch handler that returns normally may still fail single jobs of its batch, by id; the
  // others succeed. (An exception fails every job of the batch.)
  std::map<std::int64_t, JobError> failed;
};

using JobHandler = std::function<boost::asio::awaitable<void>(const Job&, JobContext&)>;
// A kind whose jobs are cheap and often due together (reminders, uploads to index): one handler
// call takes up to `batch` due jobs, and their outcomes are recorded in one transaction.
using BatchHandler = std::function<boost::asio::awaitable<void>(const std::vector<Job>&, JobContext&)>;

// Called in the same write transaction that marks a job failed for good (permanent error,
// attempts spent, watchdog, restart), so that what the job worked on gets its final state too.
using OnFailed = std::function<void(db::Conn&, const Job&, const std::string& reason)>;

struct KindOptions {
  int concurrency = 2;  // handler calls running at once
  double lease_seconds = 300;
  int max_attempts = 5;
  OnFailed on_failed;
  int batch = 1;  // jobs per handler call (add_batch_kind)
};

class Scheduler {
 public:
  Scheduler(boost::asio::io_context& ioc, db::Store& store, boost::asio::thread_pool& db_pool, const Clock& clock,
            double poll_seconds = 0.25);

  // Before start().
  void add_kind(const std::string& kind, KindOptions options, JobHandler handler);
  void add_batch_kind(const std::string& kind, KindOptions options, BatchHandler handler);
  // Puts jobs left running by a dead process back to pending, then starts the loop.
  void start();
  void stop();
  // Look for due jobs now (after an enqueue, or when a slot frees up).
  void wake();
  // Prometheus lines: queue depth by kind and state (as of the last poll).
  std::string metrics() const;

 private:
  struct Kind {
    KindOptions options;
    BatchHandler handler;
    int active = 0;  // handler calls running
  };
  // Jobs whose handler runs now; a kind's free slots are its concurrency less its entries here.
  struct Running {
    Kind* kind;
    std::shared_ptr<std::atomic<bool>> cancelled;  // shared by the jobs of one handler call
  };
  boost::asio::awaitable<void> loop();
  boost::asio::awaitable<void> run_jobs(Kind& kind, std::vector<Job> jobs, std::shared_ptr<std::atomic<bool>> cancelled);
  void failed(db::Conn& conn, const Job& job, const std::string& reason) const;

  boost::asio::io_context& ioc_;
  db::Store& store_;
  boost::asio::thread_pool& db_pool_;
  const Clock& clock_;
  double poll_seconds_;
  std::map<std::string, Kind> kinds_;
  std::map<std::int64_t, Running> running_;
  std::map<std::pair<std::string, std::string>, std::int64_t> depth_;
  boost::asio::steady_timer timer_;
  bool stopped_ = false;
  bool woken_ = false;
  double depth_counted_at_ = -1e300;  // steady-clock seconds
};

}  // namespace agentd::jobs
