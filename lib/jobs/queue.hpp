// The persistent job queue: rows in SQLite with kind, state, attempts, run_after, lease_until and
// last_error. These functions take a connection inside a Store transaction, so a job is enqueued
// atomically with the rows it works on. The Scheduler drives them.
//
//   pending --claim--> running --complete--> succeeded
//                         |--transient error--> pending (backoff) | failed (attempts exhausted)
//                         |--permanent error / lease overrun (watchdog)--> failed
//   at start: running (the server died) --> pending, or failed once its attempts are spent
#pragma once

#include <boost/json/object.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace agentd::db { class Conn; }

namespace agentd::jobs {

struct NewJob {
  std::string kind;
  std::optional<std::int64_t> org_id;
  boost::json::object payload;
  int max_attempts = 5;
  double delay_seconds = 0;
};

struct Job {
  std::int64_t id = 0;
  std::string kind;
  std::optional<std::int64_t> org_id;
  boost::json::object payload;
  int attempts = 0;  // including the current one
  int max_attempts = 0;
  double lease_until = 0;
};

struct JobRow {
  std::int64_t id = 0;
  std::string kind, state, last_error;
  int attempts = 0;
  double run_after = 0;
};

// Delay before attempt n+1 after n failed ones: 1 s, 2 s, 4 s ... capped at 5 minutes.
double backoff_seconds(int attempts);

std::int64_t enqueue(db::Conn& conn, const NewJob& job, double now);
// Marks up to `limit` due pending jobs of `kind` running, with a lease, and returns them.
std::vector<Job> claim_due(db::Conn& conn, const std::string& kind, int limit, double now, double lease_seconds);
// The three outcomes; each is a no-op (false) unless the job is still running under this attempt,
// so a late result of work the watchdog already failed changes nothing.
bool complete(db::Conn& conn, const Job& job, double now);
bool fail_permanently(db::Conn& conn, const Job& job, const std::string& reason, double now);
// Back to pending after the backoff, or failed when the attempts are spent. Returns the new state.
std::string retry_or_fail(db::Conn& conn, const Job& job, const std::string& reason, double now);
// Watchdog: running jobs past their lease become failed with a reason. Returns them.
std::vector<Job> expire_leases(db::Conn& conn, double now);
// At start: running jobs of a dead process go back to pending, or fail once their attempts are
// spent (a job that kills the server cannot loop forever).
struct Recovery {
  int resumed = 0;
  std::vector<Job> failed;
};
Recovery recover_after_restart(db::Conn& conn, double now);

std::optional<JobRow> find_job(db::Conn& conn, std::int64_t id);
// Count by (kind, state), for /metrics.
std::map<std::pair<std::string, std::string>, std::int64_t> depth(db::Conn& conn);
// The earliest run_after among pending jobs, if any.
std::optional<double> next_due(db::Conn& conn);

}  // namespace agentd::jobs
