// JSON Schema (2020-12, as OpenAPI 3.1 uses it) for what routes take and answer, written where
// the routes are declared. Small builders keep a declaration one line a field:
//   obj({{"name", str()}, {"limit", integer(1, 100)}}, {"name"})
#pragma once

#include "db/records.hpp"

#include <boost/json/object.hpp>

#include <initializer_list>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace agentd::api::schema {

using Schema = boost::json::object;
using Properties = std::initializer_list<std::pair<std::string_view, Schema>>;

Schema str(std::string description = {});
Schema one_of(std::vector<std::string> values);
Schema date_time();
Schema integer(std::optional<std::int64_t> min = {}, std::optional<std::int64_t> max = {});
Schema number(std::optional<double> min = {}, std::optional<double> max = {});
Schema boolean();
Schema array(Schema items);
// Every listed property is allowed; `required` must be present. Other properties may appear.
Schema obj(Properties properties, std::vector<std::string> required = {});
Schema any_object();
Schema any();
// The same schema, or null.
Schema nullable(Schema s);
// Adds fields to an object schema (a detail that is a list item and more).
Schema extend(Schema base, Properties more);
// A description on any schema.
Schema described(Schema s, std::string description);

// A declared kind (db/records.hpp) as the API shows it (`id`, its fields, timestamps) and as a
// create takes it (its writable fields, the required ones required): the same declaration
// that validates the request.
Schema record(const db::Kind& kind);
Schema record_input(const db::Kind& kind, bool partial);

}  // namespace agentd::api::schema
