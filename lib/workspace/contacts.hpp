// The rules of contacts beyond storing their fields (API.md 5): `tagsAppend` adds tags without
// repeating one, `find-or-create` matches by email (case-insensitive) else by exact name, a
// property is one key of `properties`, and every create and update is logged for the contact's
// timeline, which merges those changes with its activities, newest first. Functions run inside
// a Store transaction.
#pragma once

#include "db/records.hpp"

#include <optional>
#include <string>
#include <vector>

namespace agentd::workspace {

db::Record create_contact(db::Conn& conn, std::int64_t org_id, boost::json::object values,
                          const std::vector<std::string>& tags_append, double now);
std::optional<db::Record> update_contact(db::Conn& conn, std::int64_t org_id, const std::string& id,
                                         boost::json::object values, const std::vector<std::string>& tags_append,
                                         double now);

struct FoundOrCreated {
  db::Record contact;
  bool created = false;
};
FoundOrCreated find_or_create_contact(db::Conn& conn, std::int64_t org_id, const boost::json::object& values, double now);

std::optional<db::Record> set_contact_property(db::Conn& conn, std::int64_t org_id, const std::string& id,
                                               const std::string& key, const boost::json::value& value, double now);

struct Timeline {
  std::vector<boost::json::object> entries;
  std::int64_t total = 0;
};
// {"kind":"activity","id","type","description","meta","createdAt"} and
// {"kind":"change","id","event":"created"|"updated","changes":{field:value},"createdAt"}.
Timeline contact_timeline(db::Conn& conn, std::int64_t org_id, const std::string& id, std::int64_t offset,
                          std::int64_t limit);

}  // namespace agentd::workspace
