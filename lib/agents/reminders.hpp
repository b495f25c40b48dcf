// Reminders (API.md 5): a text an agent posts at `scheduledAt`. Each is a `reminder` job due at
// that time on the persistent queue, so it fires within the scheduler's poll of its time, also
// after a restart that happened in between (the job is due at start), and exactly once: the
// write that posts it into the agent's most recent room (a new room when it has none) also
// sets `dispatchedAt`, and a reminder already dispatched is not posted again.
#pragma once

#include "core/clock.hpp"
#include "db/database.hpp"
#include "db/records.hpp"
#include "jobs/scheduler.hpp"

namespace agentd::agents {

// Inserting one (db::insert) also enqueues its job, in the same transaction.
const db::Kind& reminder_kind();

// Posts a due reminder; a no-op when it was dispatched or deleted already.
void dispatch_reminder(db::Conn& conn, std::int64_t org_id, const std::string& reminder_id, double now);

void register_reminders(jobs::Scheduler& jobs, db::Database& db, const Clock& clock);

// When a reminder phrase means, from `now` (Unix seconds): ISO 8601, "in 10 minutes",
// "in 2 hours", "at 15:00", "at 3pm", "at 3:30 pm" (UTC; a time of day already past is
// tomorrow). nullopt when it means nothing.
std::optional<double> reminder_time(const std::string& phrase, double now);

}  // namespace agentd::agents
