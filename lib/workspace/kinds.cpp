#include "workspace/kinds.hpp"

#include <boost/json.hpp>

namespace agentd::workspace {
namespace json = boost::json;
using db::FieldType;

const db::Kind& contact_kind() {
  static const db::Kind kind{
      .name = "contact",
      .table = "contacts",
      .id_prefix = "ct_",
      .fields = {{.name = "name", .column = "name", .required = true, .max = 255},
                 {.name = "email", .column = "email", .type = FieldType::email, .max = 255},
                 {.name = "phone", .column = "phone", .max = 50},
                 {.name = "company", .column = "company", .max = 255},
                 {.name = "title", .column = "title", .max = 255},
                 {.name = "notes", .column = "notes", .max = 10000},
                 {.name = "tags", .column = "tags", .type = FieldType::strings, .max = 100, .fallback = json::array{}},
                 {.name = "website", .column = "website", .type = FieldType::url, .max = 2048},
                 {.name = "birthday", .column = "birthday", .type = FieldType::date},
                 {.name = "socials", .column = "socials", .type = FieldType::object, .fallback = json::object{}},
                 {.name = "nextFollowUpAt", .column = "next_follow_up_at", .type = FieldType::datetime},
                 {.name = "followUpNote", .column = "follow_up_note", .max = 2000},
                 {.name = "properties", .column = "properties", .type = FieldType::object, .fallback = json::object{}}},
      .search_table = "contacts_search"};
  return kind;
}

const db::Kind& activity_kind() {
  static const db::Kind kind{
      .name = "activity",
      .table = "contact_activities",
      .id_prefix = "act_",
      .owner = "contact_id",
      .fields = {{.name = "type", .column = "type", .required = true, .max = 50},
                 {.name = "description", .column = "description", .max = 5000},
                 {.name = "meta", .column = "meta", .type = FieldType::object, .fallback = json::object{}}}};
  return kind;
}

const db::Kind& item_kind() {
  static const db::Kind kind{
      .name = "item",
      .table = "items",
      .id_prefix = "it_",
      .fields = {{.name = "title", .column = "title", .required = true, .max = 255},
                 {.name = "description", .column = "description", .max = 10000},
                 {.name = "content", .column = "content", .max = 100000},
                 {.name = "priority", .column = "priority", .values = item_priorities(), .fallback = "normal"},
                 {.name = "dueDate", .column = "due_date", .type = FieldType::datetime},
                 {.name = "tags", .column = "tags", .type = FieldType::strings, .max = 100, .fallback = json::array{}},
                 {.name = "goalId", .column = "goal_id", .max = 64},
                 {.name = "status", .column = "status", .values = item_statuses(), .fallback = "backlog"},
                 {.name = "contactIds", .column = "contact_ids", .type = FieldType::strings, .max = 64, .fallback = json::array{}},
                 {.name = "meta", .column = "meta", .type = FieldType::object, .fallback = json::object{}}}};
  return kind;
}

const db::Kind& goal_kind() {
  static const db::Kind kind{
      .name = "goal",
      .table = "goals",
      .id_prefix = "goal_",
      .owner = "agent_id",
      .fields = {{.name = "title", .column = "title", .required = true, .min = 3, .max = 255},
                 {.name = "description", .column = "description", .max = 10000},
                 {.name = "priority", .column = "priority", .values = {"normal", "high", "critical"}, .fallback = "normal"},
                 {.name = "progress", .column = "progress", .type = FieldType::integer, .min = 0, .max = 100, .fallback = 0},
                 {.name = "status", .column = "status", .values = {"active", "completed", "paused"}, .fallback = "active"},
                 {.name = "notes", .column = "notes", .max = 10000}}};
  return kind;
}

}  // namespace agentd::workspace
