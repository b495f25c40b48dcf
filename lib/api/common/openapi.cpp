#include "api/common/openapi.hpp"

#include "access/credits.hpp"
#include "access/gate.hpp"
#include "api/common/schema.hpp"
#include "http/router.hpp"

#include <boost/json.hpp>

#include <map>

namespace agentd::api {
namespace json = boost::json;
namespace {

std::string verb_name(bhttp::verb v) {
  std::string s(bhttp::to_string(v));
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string operation_id(const Route& r) {
  std::string id = verb_name(r.method);
  for (char c : r.pattern) {
    if (std::isalnum(static_cast<unsigned char>(c))) id += c;
    else if (id.back() != '_') id += '_';
  }
  while (id.back() == '_') id.pop_back();
  return id;
}

const char* status_text(unsigned status) {
  switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 206: return "Partial Content";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 402: return "Payment Required";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 413: return "Content Too Large";
    case 416: return "Range Not Satisfiable";
    case 422: return "Unprocessable Content";
    case 429: return "Too Many Requests";
    default: return "Error";
  }
}

// The refusals a route can give, as its dialect renders them: status -> named examples.
std::map<unsigned, json::object> error_examples(const Route& r) {
  std::vector<std::pair<std::string, AppError>> errors;
  if (!r.scope.empty()) {
    errors.emplace_back("missing_key", access::missing_key_error());
    errors.emplace_back("invalid_key", access::invalid_key_error());
    errors.emplace_back("insufficient_scope", access::scope_error(r.scope, {"sessions:read"}));
    errors.emplace_back("rate_limited", access::rate_limit_error(60, "minute", 12));
  }
  std::vector<ErrorKind> kinds = r.doc.errors;
  if (r.pattern.find('{') != std::string::npos) kinds.push_back(ErrorKind::not_found);
  if (!r.doc.body.empty() || !r.doc.query.empty() || r.doc.paged) {
    errors.emplace_back("invalid_request", bad_request("Request body must be a JSON object"));
    errors.emplace_back("invalid_field", invalid_fields({Violation{"name", "required", {}}}));
  }
  if (r.estimate) {
    errors.emplace_back("insufficient_credits", access::insufficient_credits_error(2'000, 0));
  }
  for (ErrorKind kind : kinds) {
    AppError e(kind, "example", "What went wrong, in words");
    if (kind == ErrorKind::payment_required) e = access::insufficient_credits_error(2'000, 0);
    errors.emplace_back(std::string("status_") + std::to_string(http_status(kind)), e);
  }
  std::map<unsigned, json::object> out;
  for (auto& [name, e] : errors) {
    const RenderedError rendered = r.dialect->render(e);
    out[rendered.status][name] = json::object{{"value", rendered.body}};
  }
  return out;
}

bool has_body(unsigned status) { return status != 204 && status != 304 && status != 416; }

json::object parameter(std::string name, const char* in, json::object schema, bool required, std::string description = {}) {
  json::object p{{"name", std::move(name)}, {"in", in}, {"required", required}, {"schema", std::move(schema)}};
  if (!description.empty()) p["description"] = std::move(description);
  return p;
}

json::array security_of(const Route& r) {
  if (r.scope.empty()) return {};
  json::array s{json::object{{"ApiKey", json::array{}}}, json::object{{"Bearer", json::array{}}}};
  if (r.dialect->access.team_per_request) s.push_back(json::object{{"AgentAuthKey", json::array{}}});
  return s;
}

json::object operation(const Route& r) {
  const RouteDoc& doc = r.doc;
  json::object op{{"operationId", operation_id(r)},
                  {"summary", doc.summary.empty() ? verb_name(r.method) + " " + r.pattern : doc.summary},
                  {"tags", json::array{json::value(r.dialect->title)}},
                  {"security", security_of(r)}};
  if (!r.scope.empty()) {
    op["x-required-scope"] = r.scope;
    op["description"] = "Needs the scope `" + r.scope + "`." + (r.estimate ? " Billed: the price is held before it runs." : "");
  }
  json::array params;
  for (auto segment : http::split_path(r.pattern))
    if (segment.size() > 2 && segment.front() == '{')
      params.push_back(parameter(std::string(segment.substr(1, segment.size() - 2)), "path", schema::str(), true));
  for (const auto& q : doc.query) params.push_back(parameter(q.name, "query", q.schema, q.required, q.description));
  if (doc.paged) {
    const PageStyle& p = r.dialect->paging;
    params.push_back(parameter("page", "query", schema::integer(1), false, "the page, from 1"));
    auto size = schema::integer(1, p.max_size);
    size["default"] = p.default_size;
    params.push_back(parameter(std::string(p.size_param), "query", size, false, "items per page"));
  }
  if (!r.scope.empty() && r.dialect->access.team_per_request)
    params.push_back(parameter("X-Team-Slug", "header", schema::str(), false,
                               "the team to act in, for a token that belongs to several (or X-Team, or ?team=)"));
  if (!params.empty()) op["parameters"] = std::move(params);
  if (!doc.body.empty()) {
    json::object content{{doc.body_type, {{"schema", doc.body}}}};
    if (!doc.multipart.empty()) content["multipart/form-data"] = json::object{{"schema", doc.multipart}};
    op["requestBody"] = json::object{{"required", !doc.body_optional}, {"content", std::move(content)}};
  }

  json::object responses;
  json::object success{{"description", status_text(doc.status)}};
  if (has_body(doc.status)) {
    json::object content;
    content[doc.response_type] = json::object{{"schema", doc.response.empty() ? schema::any_object() : doc.response}};
    if (doc.streams)
      content["text/event-stream"] = json::object{
          {"schema", schema::described(schema::str(), "Server-Sent Events: `data: {json}` lines, ending with `data: [DONE]`")}};
    success["content"] = std::move(content);
  }
  for (unsigned also : doc.also) {
    json::object copy = success;
    copy["description"] = status_text(also);
    if (!has_body(also)) copy.erase("content");
    responses[std::to_string(also)] = std::move(copy);
  }
  responses[std::to_string(doc.status)] = std::move(success);
  for (auto& [status, examples] : error_examples(r))
    responses[std::to_string(status)] = json::object{
        {"description", status_text(status)},
        {"content", {{"application/json", {{"schema", r.dialect->error_schema}, {"examples", std::move(examples)}}}}}};
  op["responses"] = std::move(responses);
  return op;
}

}  // namespace

json::object openapi_document(const Dispatcher& d, const std::string& version) {
  json::object paths;
  std::map<std::string, std::string> tags;
  for (const auto& r : d.routes()) {
    auto& item = paths[r->pattern];
    if (!item.is_object()) item = json::object{};
    item.as_object()[verb_name(r->method)] = operation(*r);
    tags[r->dialect->title] = r->dialect->about;
  }
  json::array tag_list;
  for (const auto& [name, about] : tags) tag_list.push_back({{"name", name}, {"description", about}});
  return {{"openapi", "3.1.0"},
          {"info", {{"title", "agentd"},
                    {"version", version},
                    {"summary", "One self-hosted server speaking three agent platforms' APIs"},
                    {"description", "Every route of every dialect, generated from the server's own route table."},
                    {"license", {{"name", "Proprietary"}, {"identifier", "LicenseRef-agentd"}}}}},
          {"servers", json::array{{{"url", "/"}, {"description", "this server"}}}},
          {"tags", std::move(tag_list)},
          {"paths", std::move(paths)},
          {"components",
           {{"securitySchemes",
             {{"ApiKey", {{"type", "apiKey"}, {"in", "header"}, {"name", "X-API-Key"}, {"description", "an API key"}}},
              {"Bearer", {{"type", "http"}, {"scheme", "bearer"}, {"description", "an API key or a Workspace token"}}},
              {"AgentAuthKey",
               {{"type", "apiKey"}, {"in", "header"}, {"name", "X-Agent-Auth-Key"}, {"description", "an agent's auth key (Workspace API)"}}}}}}}};
}

}  // namespace agentd::api
