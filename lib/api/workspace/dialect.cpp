// The Workspace API's descriptor: Laravel's error bodies (validation messages in Laravel's
// words, every failing field listed), Bearer keys with the team named per request
// (X-Team-Slug, X-Team, ?team=) or an agent's X-Agent-Auth-Key, page/per_page paging with
// links and meta.
#include "api/workspace/dialect.hpp"

#include "api/common/dispatcher.hpp"
#include "api/common/schema.hpp"

#include <boost/json.hpp>

#include <cctype>
#include <sstream>

namespace agentd::api::workspace {
namespace json = boost::json;
namespace {

// Laravel shows a field as words: "dueDate" -> "due date", "contactIds.0" -> "contact ids.0".
std::string attribute(const std::string& field) {
  std::string out;
  for (char c : field) {
    if (std::isupper(static_cast<unsigned char>(c))) {
      out += ' ';
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else {
      out += c == '_' ? ' ' : c;
    }
  }
  return out;
}

std::string number(const json::value& v) {
  const double d = v.to_number<double>();
  if (d == static_cast<double>(static_cast<std::int64_t>(d))) return std::to_string(static_cast<std::int64_t>(d));
  std::ostringstream out;
  out << d;
  return out.str();
}

// Laravel's validation message for one violation; nullopt for rules it has no wording for.
std::optional<std::string> laravel_message(const Violation& v) {
  const std::string a = attribute(v.field);
  const auto& p = v.params;
  const bool of_string = p.contains("of") && p.at("of") == "string";
  auto param = [&](const char* k) { return p.contains(k) ? number(p.at(k)) : std::string(); };
  if (v.rule == "required") return "The " + a + " field is required.";
  if (v.rule == "present") return "The " + a + " field must be present.";
  if (v.rule == "string") return "The " + a + " field must be a string.";
  if (v.rule == "integer") return "The " + a + " field must be an integer.";
  if (v.rule == "numeric" || v.rule == "number") return "The " + a + " field must be a number.";
  if (v.rule == "boolean") return "The " + a + " field must be true or false.";
  if (v.rule == "array" || v.rule == "object") return "The " + a + " field must be an array.";
  if (v.rule == "date") return "The " + a + " field must be a valid date.";
  if (v.rule == "date_format") return "The " + a + " field must match the format " + std::string(p.at("format").as_string()) + ".";
  if (v.rule == "email") return "The " + a + " field must be a valid email address.";
  if (v.rule == "url") return "The " + a + " field must be a valid URL.";
  if (v.rule == "in" || v.rule == "exists") return "The selected " + a + " is invalid.";
  if (v.rule == "min") return "The " + a + " field must be at least " + param("min") + (of_string ? " characters." : ".");
  if (v.rule == "max") return "The " + a + " field must not be greater than " + param("max") + (of_string ? " characters." : ".");
  if (v.rule == "between")
    return "The " + a + " field must be between " + param("min") + " and " + param("max") + (of_string ? " characters." : ".");
  return std::nullopt;
}

// 422 {"message": the first error and how many more, "errors": {field: [message]}}.
RenderedError validation(const AppError& e) {
  std::vector<Violation> all = e.violations;
  if (all.empty() && e.violation) all.push_back(*e.violation);
  json::object errors;
  std::string first;
  for (const auto& v : all) {
    const std::string text = laravel_message(v).value_or(e.message);
    if (first.empty()) first = text;
    if (!errors.contains(v.field)) errors[v.field] = json::array{};
    errors[v.field].as_array().emplace_back(text);
  }
  if (all.empty()) {
    first = e.message;
    errors["request"] = json::array{json::value(e.message)};
  }
  const std::size_t more = all.size() > 1 ? all.size() - 1 : 0;
  if (more > 0) first += " (and " + std::to_string(more) + (more == 1 ? " more error)" : " more errors)");
  return {422, {{"message", first}, {"errors", std::move(errors)}}};
}

RenderedError render(const AppError& e) {
  switch (e.kind) {
    case ErrorKind::missing_key:
    case ErrorKind::invalid_key: return {401, {{"message", "Unauthenticated."}}};
    case ErrorKind::forbidden:
    case ErrorKind::insufficient_scope:
    case ErrorKind::subscription_required: return {403, {{"message", "This action is unauthorized."}}};
    case ErrorKind::not_found: return {404, {{"message", "Not found."}}};
    case ErrorKind::payment_required: return {402, {{"message", "Insufficient credits."}}};
    case ErrorKind::rate_limited:
    case ErrorKind::concurrency_limited: return {429, {{"message", "Too Many Attempts."}}};
    case ErrorKind::internal: return {500, {{"message", "Server Error."}}};
    case ErrorKind::bad_request: return validation(e);
    case ErrorKind::unprocessable:
      if (e.violation || !e.violations.empty()) return validation(e);
      return {422, {{"message", e.message}}};
    default: return {static_cast<unsigned>(http_status(e.kind)), {{"message", e.message}}};
  }
}

json::object stream_error(const AppError& e) { return {{"message", e.message}}; }

// What render writes: Laravel's {"message"} and, for validation, {"errors": {field: [..]}}.
json::object error_schema() {
  using namespace schema;
  return obj({{"message", str()}, {"errors", {{"type", "object"}, {"additionalProperties", array(str())}}}}, {"message"});
}

// Laravel's paginator: links keep the request's other query parameters.
json::object shape_page(const RequestContext& ctx, json::array items, std::string_view, const PageRequest& page,
                        std::int64_t total) {
  const std::int64_t last = std::max<std::int64_t>(1, page_count(total, page.size));
  std::string host(ctx.request[bhttp::field::host]);
  auto link = [&](std::int64_t n) {
    std::string out = "http://" + host + std::string(ctx.url.path()) + "?";
    for (auto p : ctx.url.encoded_params())
      if (p.key != "page") out += std::string(p.key) + "=" + std::string(p.value) + "&";
    return out + "page=" + std::to_string(n);
  };
  const std::int64_t count = static_cast<std::int64_t>(items.size());
  auto or_null = [](bool present, json::value v) { return present ? v : json::value(nullptr); };
  return {{"data", std::move(items)},
          {"links",
           {{"first", link(1)}, {"last", link(last)}, {"prev", or_null(page.page > 1, json::value(link(page.page - 1)))},
            {"next", or_null(page.page < last, json::value(link(page.page + 1)))}}},
          {"meta",
           {{"current_page", page.page},
            {"from", or_null(count > 0, page.offset() + 1)},
            {"last_page", last},
            {"per_page", page.size},
            {"to", or_null(count > 0, page.offset() + count)},
            {"total", total}}}};
}

}  // namespace

Dialect descriptor() {
  return {.name = "workspace",
          .prefixes = {"/api/v1"},
          .access = {.team_per_request = true, .needs_external_api_plan = false},
          .www_authenticate = "",
          .render = render,
          .stream_error = stream_error,
          .shape_page = shape_page,
          .paging = {"page", "per_page", 15, 100},
          .title = "Workspace API",
          .about = "Tokens, agents, contacts, items, memories, goals, reminders and rooms at /api/v1 (Bearer token and "
                   "X-Team-Slug, or an agent's X-Agent-Auth-Key)",
          .error_schema = error_schema()};
}

void install(Dispatcher& d, const Services& s) {
  const Dialect& dialect = d.add_dialect(descriptor());
  add_token_and_agent_routes(d, dialect, s);
  add_contact_routes(d, dialect, s);
  add_record_routes(d, dialect, s);
  add_room_routes(d, dialect, s);
}

}  // namespace agentd::api::workspace
