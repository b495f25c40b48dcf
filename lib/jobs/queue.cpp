#include "jobs/queue.hpp"

#include "core/clock.hpp"
#include "db/store.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <cmath>

namespace agentd::jobs {
namespace json = boost::json;
namespace {

Job read_job(SQLite::Statement& q) {
  Job j;
  j.id = q.getColumn(0).getInt64();
  j.kind = q.getColumn(1).getString();
  if (!q.getColumn(2).isNull()) j.org_id = q.getColumn(2).getInt64();
  json::error_code ec;
  auto v = json::parse(q.getColumn(3).getString(), ec);
  if (!ec && v.is_object()) j.payload = std::move(v.as_object());
  j.attempts = q.getColumn(4).getInt();
  j.max_attempts = q.getColumn(5).getInt();
  j.lease_until = q.getColumn(6).isNull() ? 0 : q.getColumn(6).getDouble();
  return j;
}

constexpr const char* kJobColumns = "id, kind, org_id, payload, attempts, max_attempts, lease_until";

// Moves a running job (this attempt) to `state`; false when it is no longer ours.
bool finish(db::Conn& conn, const Job& job, const char* state, const std::string& error, double run_after,
            double now) {
  auto& u = conn.prepare(
      "UPDATE jobs SET state = ?, last_error = ?, run_after = ?, lease_until = NULL, updated_at = ? "
      "WHERE id = ? AND state = 'running' AND attempts = ?");
  u.bind(1, state);
  if (error.empty()) u.bind(2); else u.bind(2, error);
  u.bind(3, run_after);
  u.bind(4, iso8601_unix(now));
  u.bind(5, job.id);
  u.bind(6, job.attempts);
  return u.exec() > 0;
}

}  // namespace

double backoff_seconds(int attempts) { return std::min(300.0, std::pow(2.0, std::max(0, attempts - 1))); }

std::int64_t enqueue(db::Conn& conn, const NewJob& job, double now) {
  auto& ins = conn.prepare(
      "INSERT INTO jobs(kind, org_id, payload, state, max_attempts, run_after, created_at, updated_at) "
      "VALUES (?, ?, ?, 'pending', ?, ?, ?, ?)");
  ins.bind(1, job.kind);
  if (job.org_id) ins.bind(2, *job.org_id);
  ins.bind(3, json::serialize(job.payload));
  ins.bind(4, std::max(1, job.max_attempts));
  ins.bind(5, now + job.delay_seconds);
  ins.bind(6, iso8601_unix(now));
  ins.bind(7, iso8601_unix(now));
  ins.exec();
  return conn.last_insert_rowid();
}

std::vector<Job> claim_due(db::Conn& conn, const std::string& kind, int limit, double now, double lease_seconds) {
  std::vector<Job> out;
  if (limit <= 0) return out;
  auto& q = conn.prepare(
      "UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_until = ?1, updated_at = ?2 "
      "WHERE id IN (SELECT id FROM jobs WHERE state = 'pending' AND kind = ?3 AND run_after <= ?4 "
      "             ORDER BY run_after, id LIMIT ?5) "
      "RETURNING " + std::string(kJobColumns));
  q.bind(1, now + lease_seconds);
  q.bind(2, iso8601_unix(now));
  q.bind(3, kind);
  q.bind(4, now);
  q.bind(5, limit);
  while (q.executeStep()) out.push_back(read_job(q));
  std::sort(out.begin(), out.end(), [](const Job& a, const Job& b) { return a.id < b.id; });
  return out;
}

bool complete(db::Conn& conn, const Job& job, double now) { return finish(conn, job, "succeeded", "", now, now); }

bool fail_permanently(db::Conn& conn, const Job& job, const std::string& reason, double now) {
  return finish(conn, job, "failed", reason, now, now);
}

std::string retry_or_fail(db::Conn& conn, const Job& job, const std::string& reason, double now) {
  if (job.attempts >= job.max_attempts) {
    const std::string final_reason = reason + " (gave up after " + std::to_string(job.attempts) + " attempts)";
    return finish(conn, job, "failed", final_reason, now, now) ? "failed" : "";
  }
  return finish(conn, job, "pending", reason, now + backoff_seconds(job.attempts), now) ? "pending" : "";
}

std::vector<Job> expire_leases(db::Conn& conn, double now) {
  std::vector<Job> expired;
  {
    auto& q = conn.prepare("SELECT " + std::string(kJobColumns) +
                           " FROM jobs WHERE state = 'running' AND lease_until < ? ORDER BY id");
    q.bind(1, now);
    while (q.executeStep()) expired.push_back(read_job(q));
  }
  for (const auto& j : expired) fail_permanently(conn, j, "timed out: the job overran its lease", now);
  return expired;
}

Recovery recover_after_restart(db::Conn& conn, double now) {
  Recovery r;
  const std::string at = iso8601_unix(now);
  {
    auto& q = conn.prepare("SELECT " + std::string(kJobColumns) +
                           " FROM jobs WHERE state = 'running' AND attempts >= max_attempts ORDER BY id");
    while (q.executeStep()) r.failed.push_back(read_job(q));
  }
  for (const auto& j : r.failed)
    fail_permanently(conn, j, "interrupted by a server restart " + std::to_string(j.attempts) + " times", now);
  auto& back = conn.prepare(
      "UPDATE jobs SET state = 'pending', lease_until = NULL, run_after = ?1, updated_at = ?2, "
      "last_error = 'interrupted by a server restart' WHERE state = 'running'");
  back.bind(1, now);
  back.bind(2, at);
  r.resumed = back.exec();
  return r;
}

std::optional<JobRow> find_job(db::Conn& conn, std::int64_t id) {
  auto& q = conn.prepare("SELECT id, kind, state, COALESCE(last_error, ''), attempts, run_after FROM jobs WHERE id = ?");
  q.bind(1, id);
  if (!q.executeStep()) return std::nullopt;
  return JobRow{q.getColumn(0).getInt64(), q.getColumn(1).getString(), q.getColumn(2).getString(),
                q.getColumn(3).getString(), q.getColumn(4).getInt(), q.getColumn(5).getDouble()};
}

std::map<std::pair<std::string, std::string>, std::int64_t> depth(db::Conn& conn) {
  std::map<std::pair<std::string, std::string>, std::int64_t> out;
  auto& q = conn.prepare("SELECT kind, state, COUNT(*) FROM jobs GROUP BY kind, state");
  while (q.executeStep()) out[{q.getColumn(0).getString(), q.getColumn(1).getString()}] = q.getColumn(2).getInt64();
  return out;
}

std::optional<double> next_due(db::Conn& conn) {
  auto& q = conn.prepare("SELECT MIN(run_after) FROM jobs WHERE state = 'pending'");
  if (!q.executeStep() || q.getColumn(0).isNull()) return std::nullopt;
  return q.getColumn(0).getDouble();
}

}  // namespace agentd::jobs
