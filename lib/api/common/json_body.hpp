// Typed reading of a JSON request body: one place for "the body must be a JSON object" and for
// errors that name the field and the rule it broke (rendered by each dialect's table).
// Absent and null fields read as nullopt.
#pragma once

#include "core/errors.hpp"

#include <boost/json/value.hpp>

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace agentd::api {

class JsonBody {
 public:
  // Throws bad_request "Request body must be a JSON object".
  static JsonBody parse(std::string_view text);
  explicit JsonBody(boost::json::object o) : o_(std::move(o)) {}

  const boost::json::object& object() const { return o_; }
  bool has(std::string_view name) const;
  // Present, even as null (a PATCH that clears a field).
  bool present(std::string_view name) const { return o_.contains(name); }
  const boost::json::value* raw(std::string_view name) const;

  std::optional<std::string> string(std::string_view name) const;
  std::string required_string(std::string_view name) const;  // present and not empty
  std::optional<std::int64_t> integer(std::string_view name, std::int64_t min, std::int64_t max) const;
  std::optional<double> number(std::string_view name, double min, double max) const;
  std::optional<bool> boolean(std::string_view name) const;
  std::optional<std::vector<std::string>> strings(std::string_view name) const;
  const boost::json::object* object(std::string_view name) const;
  // A string among `values`.
  std::optional<std::string> one_of(std::string_view name, const std::vector<std::string>& values) const;
  // Refuses fields outside `known` ("Unknown field 'x'").
  void only(std::initializer_list<std::string_view> known) const;

 private:
  boost::json::object o_;
};

// Response fields that may be absent: null instead (an empty string counts as absent).
boost::json::value or_null(const std::string& s);
boost::json::value or_null(const std::optional<std::string>& s);
boost::json::value or_null(const std::optional<int>& v);

// The errors the reader throws, for adapters that check by hand.
AppError field_required(std::string_view field);
AppError field_type(std::string_view field, std::string_view rule, std::string_view what);
AppError field_not_in(std::string_view field, const std::vector<std::string>& values);
std::string join(const std::vector<std::string>& values, std::string_view separator);

}  // namespace agentd::api
