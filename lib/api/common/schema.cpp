#include "api/common/schema.hpp"

#include <boost/json.hpp>

namespace agentd::api::schema {
namespace json = boost::json;

Schema str(std::string description) {
  Schema s{{"type", "string"}};
  if (!description.empty()) s["description"] = description;
  return s;
}

Schema one_of(std::vector<std::string> values) {
  json::array e;
  for (auto& v : values) e.emplace_back(v);
  return {{"type", "string"}, {"enum", std::move(e)}};
}

Schema date_time() { return {{"type", "string"}, {"format", "date-time"}}; }

Schema integer(std::optional<std::int64_t> min, std::optional<std::int64_t> max) {
  Schema s{{"type", "integer"}};
  if (min) s["minimum"] = *min;
  if (max) s["maximum"] = *max;
  return s;
}

Schema number(std::optional<double> min, std::optional<double> max) {
  Schema s{{"type", "number"}};
  if (min) s["minimum"] = *min;
  if (max) s["maximum"] = *max;
  return s;
}

Schema boolean() { return {{"type", "boolean"}}; }
Schema array(Schema items) { return {{"type", "array"}, {"items", std::move(items)}}; }
Schema any_object() { return {{"type", "object"}}; }
Schema any() { return {}; }

Schema obj(Properties properties, std::vector<std::string> required) {
  json::object props;
  for (const auto& [name, s] : properties) props[name] = s;
  Schema out{{"type", "object"}, {"properties", std::move(props)}};
  if (!required.empty()) {
    json::array r;
    for (auto& n : required) r.emplace_back(n);
    out["required"] = std::move(r);
  }
  return out;
}

Schema nullable(Schema s) {
  if (auto* t = s.if_contains("type"); t && t->is_string()) {
    s["type"] = json::array{*t, "null"};
    if (auto* e = s.if_contains("enum"); e && e->is_array()) e->as_array().emplace_back(nullptr);
    return s;
  }
  return {{"anyOf", json::array{std::move(s), {{"type", "null"}}}}};
}

Schema extend(Schema base, Properties more) {
  auto& props = base["properties"];
  if (!props.is_object()) props = json::object{};
  for (const auto& [name, s] : more) props.as_object()[name] = s;
  return base;
}

Schema described(Schema s, std::string description) {
  s["description"] = std::move(description);
  return s;
}

namespace {

Schema field_schema(const db::Field& f) {
  using db::FieldType;
  Schema s;
  switch (f.type) {
    case FieldType::text:
    case FieldType::email:
    case FieldType::url: {
      s = str();
      if (f.type == FieldType::email) s["format"] = "email";
      if (f.type == FieldType::url) s["format"] = "uri";
      if (f.min) s["minLength"] = static_cast<std::int64_t>(*f.min);
      if (f.max) s["maxLength"] = static_cast<std::int64_t>(*f.max);
      if (!f.values.empty()) s = one_of(f.values);
      break;
    }
    case FieldType::integer: s = integer(); break;
    case FieldType::number: s = number(); break;
    case FieldType::boolean: s = boolean(); break;
    case FieldType::date: s = {{"type", "string"}, {"format", "date"}}; break;
    case FieldType::datetime:  // a date alone is taken as its midnight (UTC)
      s = {{"anyOf", json::array{date_time(), {{"type", "string"}, {"format", "date"}}}}};
      break;
    case FieldType::strings: s = array(str()); break;
    case FieldType::object: s = any_object(); break;
    case FieldType::value: return any();
  }
  if (f.type == FieldType::integer) {
    if (f.min) s["minimum"] = static_cast<std::int64_t>(*f.min);
    if (f.max) s["maximum"] = static_cast<std::int64_t>(*f.max);
  }
  if (f.type == FieldType::number) {
    if (f.min) s["minimum"] = *f.min;
    if (f.max) s["maximum"] = *f.max;
  }
  return s;
}

}  // namespace

Schema record(const db::Kind& kind) {
  json::object props{{"id", str()}};
  for (const auto& f : kind.fields) props[f.name] = f.required ? field_schema(f) : nullable(field_schema(f));
  props["createdAt"] = date_time();
  props["updatedAt"] = nullable(date_time());
  return {{"type", "object"}, {"properties", std::move(props)}, {"required", json::array{"id"}}};
}

Schema record_input(const db::Kind& kind, bool partial) {
  json::object props;
  json::array required;
  for (const auto& f : kind.fields) {
    if (f.read_only) continue;
    props[f.name] = f.required ? field_schema(f) : nullable(field_schema(f));
    if (f.required && !partial) required.emplace_back(f.name);
  }
  Schema out{{"type", "object"}, {"properties", std::move(props)}};
  if (!required.empty()) out["required"] = std::move(required);
  return out;
}

}  // namespace agentd::api::schema
