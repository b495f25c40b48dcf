// The Workspace API's simple objects, declared once (db::Kind): their tables are in
// schema/0009_workspace.sql, their fields and bounds in API.md 5. Memories are declared in
// knowledge/memories.cpp (the runtime recalls them), reminders in agents/reminders.cpp.
#pragma once

#include "db/records.hpp"

namespace agentd::workspace {

const db::Kind& contact_kind();
const db::Kind& activity_kind();
const db::Kind& item_kind();
const db::Kind& goal_kind();

inline const std::vector<std::string>& item_statuses() {
  static const std::vector<std::string> v = {"backlog", "active", "review", "done"};
  return v;
}
inline const std::vector<std::string>& item_priorities() {
  static const std::vector<std::string> v = {"low", "normal", "high", "urgent"};
  return v;
}

}  // namespace agentd::workspace
