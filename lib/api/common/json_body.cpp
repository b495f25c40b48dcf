#include "api/common/json_body.hpp"

#include <boost/json.hpp>

#include <sstream>

namespace agentd::api {
namespace json = boost::json;

std::string join(const std::vector<std::string>& values, std::string_view separator) {
  std::string out;
  for (const auto& v : values) {
    if (!out.empty()) out += separator;
    out += v;
  }
  return out;
}

json::value or_null(const std::string& s) { return s.empty() ? json::value(nullptr) : json::value(s); }
json::value or_null(const std::optional<std::string>& s) { return s ? json::value(*s) : json::value(nullptr); }
json::value or_null(const std::optional<int>& v) { return v ? json::value(*v) : json::value(nullptr); }

AppError field_required(std::string_view field) {
  return invalid_field(std::string(field), "required", {}, std::string(field) + " is required");
}

AppError field_type(std::string_view field, std::string_view rule, std::string_view what) {
  return invalid_field(std::string(field), std::string(rule), {}, std::string(field) + " must be " + std::string(what));
}

AppError field_not_in(std::string_view field, const std::vector<std::string>& values) {
  json::array allowed;
  for (const auto& v : values) allowed.emplace_back(v);
  return invalid_field(std::string(field), "in", {{"values", std::move(allowed)}},
                       std::string(field) + " must be one of " + join(values, ", "));
}

JsonBody JsonBody::parse(std::string_view text) {
  json::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) throw bad_request("Request body must be a JSON object");
  return JsonBody(std::move(v.as_object()));
}

const json::value* JsonBody::raw(std::string_view name) const {
  const auto* v = o_.if_contains(name);
  return v && !v->is_null() ? v : nullptr;
}

bool JsonBody::has(std::string_view name) const { return raw(name) != nullptr; }

std::optional<std::string> JsonBody::string(std::string_view name) const {
  const auto* v = raw(name);
  if (!v) return std::nullopt;
  if (!v->is_string()) throw field_type(name, "string", "a string");
  return std::string(v->as_string());
}

std::string JsonBody::required_string(std::string_view name) const {
  auto s = string(name);
  if (!s || s->empty()) throw field_required(name);
  return *s;
}

std::optional<std::int64_t> JsonBody::integer(std::string_view name, std::int64_t min, std::int64_t max) const {
  const auto* v = raw(name);
  if (!v) return std::nullopt;
  if (!v->is_int64() || v->as_int64() < min || v->as_int64() > max)
    throw invalid_field(std::string(name), "between", {{"min", min}, {"max", max}},
                        std::string(name) + " must be an integer between " + std::to_string(min) + " and " +
                            std::to_string(max));
  return v->as_int64();
}

std::optional<double> JsonBody::number(std::string_view name, double min, double max) const {
  const auto* v = raw(name);
  if (!v) return std::nullopt;
  auto show = [](double d) {
    std::ostringstream out;
    out << d;
    return out.str();
  };
  const bool ok = v->is_number() && v->to_number<double>() >= min && v->to_number<double>() <= max;
  if (!ok)
    throw invalid_field(std::string(name), "between", {{"min", min}, {"max", max}},
                        std::string(name) + " must be a number between " + show(min) + " and " + show(max));
  return v->to_number<double>();
}

std::optional<bool> JsonBody::boolean(std::string_view name) const {
  const auto* v = raw(name);
  if (!v) return std::nullopt;
  if (!v->is_bool()) throw field_type(name, "boolean", "true or false");
  return v->as_bool();
}

std::optional<std::vector<std::string>> JsonBody::strings(std::string_view name) const {
  const auto* v = raw(name);
  if (!v) return std::nullopt;
  if (!v->is_array()) throw field_type(name, "array", "an array of strings");
  std::vector<std::string> out;
  for (const auto& e : v->as_array()) {
    if (!e.is_string()) throw field_type(name, "array", "an array of strings");
    out.emplace_back(e.as_string());
  }
  return out;
}

const json::object* JsonBody::object(std::string_view name) const {
  const auto* v = raw(name);
  if (!v) return nullptr;
  if (!v->is_object()) throw field_type(name, "object", "an object");
  return &v->as_object();
}

std::optional<std::string> JsonBody::one_of(std::string_view name, const std::vector<std::string>& values) const {
  auto s = string(name);
  if (s && std::find(values.begin(), values.end(), *s) == values.end()) throw field_not_in(name, values);
  return s;
}

void JsonBody::only(std::initializer_list<std::string_view> known) const {
  for (const auto& kv : o_) {
    bool ok = false;
    for (auto k : known) ok = ok || kv.key() == k;
    if (!ok)
      throw invalid_field(std::string(kv.key()), "unknown", {}, "Unknown field '" + std::string(kv.key()) + "'");
  }
}

}  // namespace agentd::api
