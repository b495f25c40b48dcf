// Records declared once: a kind (a table, its id prefix, its fields with their types and bounds)
// drives checking a request's values, storing them in typed columns and reading them back, so a
// simple resource (a contact, an item, a memory) is a declaration, not four hand-written
// functions. Records are JSON objects keyed by the API's field names (camelCase) plus `id`,
// `createdAt` and `updatedAt`. Every query is scoped to one organization.
#pragma once

#include "core/errors.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace agentd::db {

class Conn;
using Record = boost::json::object;

enum class FieldType {
  text,      // TEXT; min/max: characters
  integer,   // INTEGER; min/max: value
  number,    // REAL; min/max: value
  boolean,   // INTEGER 0/1
  date,      // TEXT YYYY-MM-DD
  datetime,  // TEXT ISO 8601 UTC, normalized to YYYY-MM-DDTHH:MM:SSZ
  email,     // TEXT
  url,       // TEXT, http(s)
  strings,   // TEXT JSON array of strings; max: characters of each
  object,    // TEXT JSON object
  value,     // TEXT JSON, any value
};

struct Field {
  std::string name;    // as the API names it: "dueDate"
  std::string column;  // "due_date"
  FieldType type = FieldType::text;
  bool required = false;
  std::optional<double> min{}, max{};
  std::vector<std::string> values{};  // the allowed values, when only some are
  boost::json::value fallback{};      // stored when a create leaves the field out (null: NULL)
  bool read_only = false;             // shown, never taken from a request (set by the service)
};

struct Kind {
  std::string name;       // "contact"
  std::string table;      // "contacts": id, org_id, [owner], the fields' columns, created_unix, created_at, updated_at
  std::string id_prefix;  // "ct_": ids are the prefix and 16 hex characters
  std::string owner;      // the parent's column ("agent_id", "contact_id"), or empty
  std::vector<Field> fields;
  // An FTS5 trigram table over the record's searchable text (rowid = the record's rowid, kept
  // by the migration's triggers); empty: no search.
  std::string search_table{};
  // Runs in the transaction that inserts a record (a reminder enqueues its job).
  void (*on_insert)(Conn& conn, std::int64_t org_id, const Record& record, double now) = nullptr;

  const Field* field(std::string_view name) const;
};

// Checks `body` against the kind and returns the values to store, by field name. A create
// (`partial` false) needs every required field; an update checks only the fields sent. Every
// violation is reported at once: AppError unprocessable with `violations` (rules: required,
// string, integer, numeric, boolean, date, date_format, email, url, array, min, max, between,
// in; params min, max, values, format; `string` or `numeric` in `params.of` for min/max).
// Fields the kind does not declare are ignored.
boost::json::object check(const Kind& kind, const boost::json::object& body, bool partial);

Record insert(Conn& conn, const Kind& kind, std::int64_t org_id, const std::string& owner,
              const boost::json::object& values, double now);
std::optional<Record> find(Conn& conn, const Kind& kind, std::int64_t org_id, const std::string& id);
// The owner column's value of a record (its agent, its contact).
std::optional<std::string> owner_of(Conn& conn, const Kind& kind, std::int64_t org_id, const std::string& id);
// Sets the given values; nullopt when the record does not exist in this organization.
std::optional<Record> update(Conn& conn, const Kind& kind, std::int64_t org_id, const std::string& id,
                             const boost::json::object& values, double now);
bool remove(Conn& conn, const Kind& kind, std::int64_t org_id, const std::string& id);
// Which of `ids` are records of this kind in the organization.
std::vector<std::string> existing(Conn& conn, const Kind& kind, std::int64_t org_id, const std::vector<std::string>& ids);

struct Query {
  std::string owner{};  // set: only records of this owner
  std::vector<std::pair<std::string, boost::json::value>> equal{};  // field name -> value
  std::string search{};  // substring of the searchable text (case-insensitive)
  // Extra conditions on columns, with their arguments (?): "due_date >= ? AND due_date < ?".
  std::string where{};
  std::vector<std::string> args{};
  std::string order = "created_unix DESC, rowid DESC";
  std::int64_t offset = 0, limit = -1;
};
struct Page {
  std::vector<Record> records;
  std::int64_t total = 0;
};
Page list(Conn& conn, const Kind& kind, std::int64_t org_id, const Query& query);

// Reads a datetime as the kind stores it (nullopt when malformed).
std::optional<std::string> normalize_datetime(const std::string& text);

}  // namespace agentd::db
