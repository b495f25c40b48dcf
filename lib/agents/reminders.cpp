#include "agents/reminders.hpp"

#include "agents/rooms.hpp"
#include "core/log.hpp"
#include "db/row.hpp"
#include "db/store.hpp"
#include "jobs/queue.hpp"

#include <boost/json.hpp>

#include <cctype>
#include <cmath>
#include <cstdio>

namespace agentd::agents {
namespace json = boost::json;
using db::FieldType;

namespace {

// A reminder is a job due at its time, enqueued with it.
void enqueue_reminder(db::Conn& conn, std::int64_t org_id, const db::Record& r, double now) {
  double due = now;
  parse_iso8601(std::string(r.at("scheduledAt").as_string()), due);
  jobs::NewJob job{.kind = "reminder", .org_id = org_id, .payload = {{"reminder_id", r.at("id")}}, .max_attempts = 10,
                   .delay_seconds = std::max(0.0, due - now)};
  jobs::enqueue(conn, job, now);
}

}  // namespace

const db::Kind& reminder_kind() {
  static const db::Kind kind{
      .name = "reminder",
      .table = "reminders",
      .id_prefix = "rem_",
      .owner = "agent_id",
      .fields = {{.name = "text", .column = "text", .required = true, .min = 3, .max = 2000},
                 {.name = "scheduledAt", .column = "scheduled_at", .type = FieldType::datetime, .required = true},
                 {.name = "dispatchedAt", .column = "dispatched_at", .type = FieldType::datetime, .read_only = true},
                 {.name = "roomId", .column = "room_id", .read_only = true}},
      .on_insert = enqueue_reminder};
  return kind;
}

void dispatch_reminder(db::Conn& conn, std::int64_t org_id, const std::string& reminder_id, double now) {
  auto& q = conn.prepare("SELECT agent_id, text FROM reminders WHERE id = ? AND org_id = ? AND dispatched_at IS NULL");
  db::bind_all(q, reminder_id, org_id);
  if (!q.executeStep()) return;
  const std::string agent_id = q.getColumn(0).getString();
  const std::string text = q.getColumn(1).getString();
  q.reset();
  std::optional<Room> room = latest_room(conn, org_id, agent_id);
  if (!room) {
    const auto agent = find_agent(conn, org_id, agent_id);
    if (!agent) return;  // deleted with its reminders
    auto& owner = conn.prepare("SELECT user_id FROM memberships WHERE org_id = ? ORDER BY (role = 'owner') DESC, user_id LIMIT 1");
    db::bind_all(owner, org_id);
    if (!owner.executeStep()) return;
    const SessionOwner session_owner{org_id, owner.getColumn(0).getInt64()};
    owner.reset();
    room = create_room(conn, session_owner, *agent, "Reminders", now);
  }
  post_to_room(conn, *room, text, now);
  auto& done = conn.prepare("UPDATE reminders SET dispatched_at = ?, dispatched_unix = ?, room_id = ?, updated_at = ? WHERE id = ?");
  db::bind_all(done, iso8601_unix(now), now, room->id, iso8601_unix(now), reminder_id);
  done.exec();
}

void register_reminders(jobs::Scheduler& jobs, db::Database& db, const Clock& clock) {
  // Reminders due in the same second go out together: up to 256 per transaction.
  jobs::KindOptions options;
  options.concurrency = 2;
  options.batch = 256;
  options.lease_seconds = 60;
  options.max_attempts = 10;
  jobs.add_batch_kind("reminder", options, [&db, &clock](const std::vector<jobs::Job>& due, jobs::JobContext&) -> boost::asio::awaitable<void> {
    std::vector<std::pair<std::int64_t, std::string>> ids;
    for (const auto& job : due) ids.emplace_back(job.org_id.value_or(0), std::string(job.payload.at("reminder_id").as_string()));
    auto posting = db.write([ids = std::move(ids), &clock](db::Conn& c) {
      for (const auto& [org, id] : ids) dispatch_reminder(c, org, id, clock.unix_seconds());
    });
    co_await std::move(posting);
  });
}

std::optional<double> reminder_time(const std::string& phrase, double now) {
  std::string p;
  for (char c : phrase) p.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  while (!p.empty() && (p.back() == '.' || p.back() == ' ')) p.pop_back();
  double t = 0;
  if (parse_iso8601(phrase, t)) return t;
  int n = 0, consumed = 0;
  char unit[16] = {0};
  if (std::sscanf(p.c_str(), "in %d %15s%n", &n, unit, &consumed) == 2 && n >= 0) {
    const std::string u(unit);
    double per = 0;
    if (u.rfind("sec", 0) == 0) per = 1;
    else if (u.rfind("min", 0) == 0) per = 60;
    else if (u.rfind("hour", 0) == 0 || u == "h") per = 3600;
    else if (u.rfind("day", 0) == 0) per = 86400;
    if (per > 0) return now + n * per;
    return std::nullopt;
  }
  if (p.rfind("at ", 0) == 0) p = p.substr(3);
  int h = 0, m = 0;
  char ampm[3] = {0};
  bool parsed = false;
  if (std::sscanf(p.c_str(), "%d:%d %2s", &h, &m, ampm) >= 2 || std::sscanf(p.c_str(), "%d:%d%2s", &h, &m, ampm) >= 2) parsed = true;
  else if (m = 0, std::sscanf(p.c_str(), "%d %2s", &h, ampm) == 2 || std::sscanf(p.c_str(), "%d%2s", &h, ampm) == 2) parsed = ampm[0] != 0;
  if (!parsed) return std::nullopt;
  const std::string half(ampm);
  if (half == "pm" && h < 12) h += 12;
  else if (half == "am" && h == 12) h = 0;
  else if (!half.empty() && half != "am" && half != "pm") return std::nullopt;
  if (h < 0 || h > 23 || m < 0 || m > 59) return std::nullopt;
  const double midnight = std::floor(now / 86400) * 86400;
  double at = midnight + h * 3600 + m * 60;
  if (at <= now) at += 86400;
  return at;
}

}  // namespace agentd::agents
