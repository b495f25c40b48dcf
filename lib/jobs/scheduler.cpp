#include "jobs/scheduler.hpp"

#include "core/log.hpp"
#include "core/offload.hpp"
#include "db/store.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <chrono>
#include <optional>
#include <sstream>

namespace agentd::jobs {
namespace net = boost::asio;

namespace {

void log_exception(std::exception_ptr ep, const char* where) {
  if (!ep) return;
  try {
    std::rethrow_exception(ep);
  } catch (const std::exception& e) {
    log::write(log::Level::error, {{"msg", where}, {"error", e.what()}});
  }
}

}  // namespace

Scheduler::Scheduler(net::io_context& ioc, db::Store& store, net::thread_pool& db_pool, const Clock& clock,
                     double poll_seconds)
    : ioc_(ioc), store_(store), db_pool_(db_pool), clock_(clock), poll_seconds_(poll_seconds), timer_(ioc) {}

void Scheduler::add_kind(const std::string& kind, KindOptions options, JobHandler handler) {
  options.batch = 1;
  add_batch_kind(kind, options, [handler = std::move(handler)](const std::vector<Job>& jobs, JobContext& ctx) {
    return handler(jobs.front(), ctx);
  });
}

void Scheduler::add_batch_kind(const std::string& kind, KindOptions options, BatchHandler handler) {
  options.batch = std::max(1, options.batch);
  kinds_[kind] = Kind{options, std::move(handler)};
}

void Scheduler::start() {
  const double now = clock_.unix_seconds();
  const Recovery r = store_.write([&](db::Conn& c) {
    Recovery r = recover_after_restart(c, now);
    for (const auto& job : r.failed) failed(c, job, "interrupted by a server restart " + std::to_string(job.attempts) + " times");
    return r;
  });
  if (r.resumed > 0 || !r.failed.empty())
    log::write(log::Level::info, {{"msg", "jobs recovered after restart"}, {"resumed", r.resumed},
                                  {"failed", static_cast<std::int64_t>(r.failed.size())}});
  net::co_spawn(ioc_, loop(), [](std::exception_ptr ep) { log_exception(ep, "job scheduler stopped by an exception"); });
}

void Scheduler::stop() {
  stopped_ = true;
  timer_.cancel();
}

void Scheduler::wake() {
  woken_ = true;
  timer_.cancel();
}

std::string Scheduler::metrics() const {
  std::ostringstream out;
  out << "# HELP agentd_jobs Jobs in the persistent queue by kind and state.\n# TYPE agentd_jobs gauge\n";
  for (const auto& [key, n] : depth_)
    out << "agentd_jobs{kind=\"" << key.first << "\",state=\"" << key.second << "\"} " << n << "\n";
  return out.str();
}

void Scheduler::failed(db::Conn& conn, const Job& job, const std::string& reason) const {
  auto it = kinds_.find(job.kind);
  if (it != kinds_.end() && it->second.options.on_failed) it->second.options.on_failed(conn, job, reason);
}

net::awaitable<void> Scheduler::loop() {
  struct Pass {
    std::vector<Job> expired;
    std::map<std::string, std::vector<Job>> claimed;
    std::map<std::pair<std::string, std::string>, std::int64_t> depth;
    std::optional<double> next_due;
  };
  while (!stopped_) {
    woken_ = false;
    const double now = clock_.unix_seconds();
    std::map<std::string, std::pair<int, double>> wanted;  // kind -> jobs it can take, lease
    for (auto& [name, kind] : kinds_)
      wanted[name] = {(kind.options.concurrency - kind.active) * kind.options.batch, kind.options.lease_seconds};
    // The queue's depth (for /metrics, documented as up to a poll interval old) is counted once
    // per interval, not on every wake-up: each finished job wakes the loop, and counting the
    // whole queue each time held the SQLite worker that requests wait for.
    // Real time, not the injected clock: this paces work, it decides nothing.
    const double real_now = std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
    const bool count = real_now - depth_counted_at_ >= poll_seconds_;
    if (count) depth_counted_at_ = real_now;
    auto work = offload(db_pool_, [this, now, wanted, count] {
      return store_.write([&](db::Conn& c) {
        Pass p;
        p.expired = expire_leases(c, now);
        for (const auto& job : p.expired) failed(c, job, "timed out: the job overran its lease");
        for (const auto& [name, slots] : wanted) p.claimed[name] = claim_due(c, name, slots.first, now, slots.second);
        if (count) p.depth = depth(c);
        p.next_due = next_due(c);
        return p;
      });
    });
    Pass pass;
    try {
      pass = co_await std::move(work);
    } catch (const std::exception& e) {
      log::write(log::Level::error, {{"msg", "job poll failed"}, {"error", e.what()}});
    }
    for (const auto& job : pass.expired) {
      log::write(log::Level::warn, {{"msg", "job overran its lease"}, {"job_id", job.id}, {"kind", job.kind}});
      // The run's slot is free from now on, whenever its handler returns.
      if (auto it = running_.find(job.id); it != running_.end() && !it->second.cancelled->exchange(true)) --it->second.kind->active;
      running_.erase(job.id);
    }
    for (auto& [name, jobs] : pass.claimed) {
      Kind& kind = kinds_.at(name);
      for (std::size_t first = 0; first < jobs.size(); first += static_cast<std::size_t>(kind.options.batch)) {
        const auto last = std::min(jobs.size(), first + static_cast<std::size_t>(kind.options.batch));
        std::vector<Job> chunk(std::make_move_iterator(jobs.begin() + static_cast<std::ptrdiff_t>(first)),
                               std::make_move_iterator(jobs.begin() + static_cast<std::ptrdiff_t>(last)));
        auto cancelled = std::make_shared<std::atomic<bool>>(false);
        for (const auto& job : chunk) running_[job.id] = Running{&kind, cancelled};
        ++kind.active;
        net::co_spawn(ioc_, run_jobs(kind, std::move(chunk), cancelled),
                      [](std::exception_ptr ep) { log_exception(ep, "job runner failed"); });
      }
    }
    if (count) depth_ = std::move(pass.depth);
    if (stopped_) break;
    if (woken_) continue;
    double wait = poll_seconds_;
    if (pass.next_due) wait = std::clamp(*pass.next_due - clock_.unix_seconds(), 0.0, poll_seconds_);
    timer_.expires_after(std::chrono::microseconds(static_cast<long long>(wait * 1e6)));
    co_await timer_.async_wait(net::as_tuple(net::use_awaitable));
  }
}

net::awaitable<void> Scheduler::run_jobs(Kind& kind, std::vector<Job> jobs, std::shared_ptr<std::atomic<bool>> cancelled) {
  JobContext ctx{cancelled};
  std::string error;
  bool permanent = false;
  try {
    co_await kind.handler(jobs, ctx);
  } catch (const JobError& e) {
    error = e.what();
    permanent = e.permanent;
  } catch (const std::exception& e) {
    error = e.what();
  }
  if (cancelled->load()) {
    if (error.empty()) co_return;  // the watchdog already failed them
  } else {
    --kind.active;
  }
  const double now = clock_.unix_seconds();
  // Each job's own outcome: the batch's error, else the one the handler gave it, else success.
  std::vector<std::optional<JobError>> outcomes;
  for (const auto& job : jobs) {
    const auto it = ctx.failed.find(job.id);
    if (!error.empty()) outcomes.emplace_back(JobError(error, permanent));
    else if (it != ctx.failed.end()) outcomes.emplace_back(it->second);
    else outcomes.emplace_back();
  }
  auto settle = offload(db_pool_, [this, &jobs, &outcomes, now] {
    return store_.write([&](db::Conn& c) {
      std::vector<std::string> states;
      for (std::size_t i = 0; i < jobs.size(); ++i) {
        const auto& job = jobs[i];
        if (!outcomes[i]) {
          states.push_back(complete(c, job, now) ? "succeeded" : "");
          continue;
        }
        const std::string reason = outcomes[i]->what();
        std::string state = outcomes[i]->permanent ? (fail_permanently(c, job, reason, now) ? "failed" : "")
                                                   : retry_or_fail(c, job, reason, now);
        if (state == "failed") failed(c, job, reason);
        states.push_back(std::move(state));
      }
      return states;
    });
  });
  std::vector<std::string> states;
  try {
    states = co_await std::move(settle);
  } catch (const std::exception& e) {
    // The rows stay running; the watchdog fails them when their lease ends.
    log::write(log::Level::error, {{"msg", "job result not recorded"}, {"job_id", jobs.front().id}, {"error", e.what()}});
  }
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    if (outcomes[i])
      log::write(log::Level::warn, {{"msg", "job failed"}, {"job_id", jobs[i].id}, {"kind", jobs[i].kind},
                                    {"attempt", jobs[i].attempts}, {"now", i < states.size() ? states[i] : ""},
                                    {"error", outcomes[i]->what()}});
    running_.erase(jobs[i].id);
  }
  wake();
}

}  // namespace agentd::jobs
