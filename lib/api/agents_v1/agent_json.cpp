#include "api/agents_v1/agent_json.hpp"

#include "core/clock.hpp"

#include <boost/json.hpp>

namespace agentd::api::agents_v1 {
namespace json = boost::json;
namespace {

// Defaults when modelProvider is given without a model.
std::string default_model(const std::string& provider) {
  if (provider == "openai") return "gpt-4o-mini";
  if (provider == "anthropic") return "claude-3-5-sonnet-latest";
  if (provider == "google-genai") return "gemini-1.5-flash";
  if (provider == "ollama") return "llama3.1";
  return "builtin";
}

json::array string_array(const std::vector<std::string>& v) {
  json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (!text.empty() && start <= text.size()) {
    const auto end = text.find('\n', start);
    out.push_back(text.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

json::value profile_or(const agents::Agent& a, std::string_view key, json::value fallback) {
  const auto* v = a.profile.if_contains(key);
  return v ? *v : fallback;
}

std::string model_name(const agents::Agent& a) {
  const auto slash = a.model.find('/');
  return slash == std::string::npos ? a.model : a.model.substr(slash + 1);
}

// personality: {traits[], style, tone, adjectives[], voice}
json::object parse_personality(const json::object& p) {
  const JsonBody b{p};
  json::object out;
  for (const char* list : {"traits", "adjectives"})
    if (auto v = b.strings(list)) out[list] = string_array(*v);
    else if (b.present(list)) out[list] = json::array{};
  for (const char* text : {"style", "tone", "voice"})
    if (auto v = b.string(text)) out[text] = *v;
  b.only({"traits", "style", "tone", "adjectives", "voice"});
  return out;
}

json::array parse_plugins(const json::value& v) {
  if (!v.is_array()) throw field_type("plugins", "array", "an array of {name, enabled, config}");
  json::array out;
  for (std::size_t i = 0; i < v.as_array().size(); ++i) {
    const std::string at = "plugins[" + std::to_string(i) + "]";
    const auto* o = v.as_array()[i].if_object();
    if (!o) throw field_type(at, "object", "an object");
    const JsonBody b{*o};
    const auto* name = b.raw("name");
    if (!name || !name->is_string() || name->as_string().empty()) throw field_required(at + ".name");
    const auto* enabled = b.raw("enabled");
    if (enabled && !enabled->is_bool()) throw field_type(at + ".enabled", "boolean", "true or false");
    const auto* config = b.raw("config");
    if (config && !config->is_object()) throw field_type(at + ".config", "object", "an object");
    out.push_back({{"name", name->as_string()},
                   {"enabled", enabled ? enabled->as_bool() : true},
                   {"config", config ? *config : json::object{}}});
  }
  return out;
}

}  // namespace

std::string provider_of(const agents::Agent& a) {
  const auto slash = a.model.find('/');
  return slash == std::string::npos ? "builtin" : a.model.substr(0, slash);
}

json::object agent_json(const agents::Agent& a, const agents::AgentActivity& activity, double now) {
  json::object settings{{"temperature", a.temperature ? json::value(*a.temperature) : json::value(nullptr)},
                        {"maxTokens", a.max_output_tokens ? json::value(*a.max_output_tokens) : json::value(nullptr)}};
  if (const auto* extra = a.profile.if_contains("modelSettings"); extra && extra->is_object())
    for (const auto& kv : extra->as_object()) settings[kv.key()] = kv.value();
  const std::string status = agents::agent_status(a);
  double active_since = 0;
  if (const auto* since = a.profile.if_contains("activeSince"); since && since->is_string())
    parse_iso8601(std::string(since->as_string()), active_since);
  else
    parse_iso8601(a.created_at, active_since);
  const std::int64_t uptime = status == "active" ? std::max<std::int64_t>(0, static_cast<std::int64_t>(now - active_since)) : 0;
  return {{"id", a.id},
          {"name", a.name},
          {"bio", string_array(lines_of(a.description))},
          {"personality", profile_or(a, "personality", json::object{})},
          {"knowledge", profile_or(a, "knowledge", json::array{})},
          {"goals", profile_or(a, "goals", json::array{})},
          {"clients", profile_or(a, "clients", json::array{})},
          {"settings", profile_or(a, "settings", json::object{})},
          {"modelProvider", provider_of(a)},
          {"model", model_name(a)},
          {"modelSettings", std::move(settings)},
          {"plugins", profile_or(a, "plugins", json::array{})},
          {"status", status},
          {"createdAt", a.created_at},
          {"updatedAt", a.updated_at},
          {"metrics", {{"totalMessages", activity.messages}, {"totalConversations", activity.conversations}, {"uptime", uptime}}}};
}

schema::Schema agent_schema() {
  using namespace schema;
  return obj({{"id", str()}, {"name", str()}, {"bio", array(str())}, {"personality", any_object()}, {"knowledge", array(any())},
              {"goals", array(any())}, {"clients", array(any())}, {"settings", any_object()}, {"modelProvider", one_of(kProviders)},
              {"model", str()}, {"modelSettings", any_object()}, {"plugins", array(any_object())},
              {"status", one_of({"active", "inactive", "error"})}, {"createdAt", str()}, {"updatedAt", str()},
              {"metrics", obj({{"totalMessages", integer()}, {"totalConversations", integer()}, {"uptime", integer()}})}},
             {"id", "name", "status", "createdAt"});
}

schema::Schema agent_input_schema(bool partial) {
  using namespace schema;
  return obj({{"name", str()}, {"bio", {{"anyOf", boost::json::array{str(), array(str())}}}},
              {"personality", obj({{"traits", array(str())}, {"adjectives", array(str())}, {"style", str()}, {"tone", str()}, {"voice", str()}})},
              {"knowledge", array(str())}, {"goals", array(str())}, {"clients", array(str())}, {"settings", any_object()},
              {"modelProvider", one_of(kProviders)}, {"model", str()},
              {"modelSettings", obj({{"temperature", number(0, 2)}, {"maxTokens", integer(1)}})},
              {"plugins", array(obj({{"name", str()}, {"enabled", boolean()}, {"config", any_object()}}, {"name"}))},
              {"status", one_of({"active", "inactive"})}},
             partial ? std::vector<std::string>{} : std::vector<std::string>{"name"});
}

agents::AgentChanges parse_agent(const JsonBody& b, const agents::Agent* current, double now) {
  // Read-only fields a client may send back from a GET are accepted and ignored.
  b.only({"name", "bio", "personality", "knowledge", "goals", "clients", "settings", "modelProvider", "model",
          "modelSettings", "plugins", "status", "id", "createdAt", "updatedAt", "metrics", "apiEndpoint"});
  agents::AgentChanges c;
  json::object profile;
  if (b.present("name")) {
    const auto* v = b.raw("name");
    if (!v || !v->is_string()) throw field_type("name", "string", "a string");
    c.name = std::string(v->as_string());
  }
  if (const auto* bio = b.raw("bio")) {
    if (bio->is_string()) c.description = std::string(bio->as_string());
    else c.description = join(b.strings("bio").value_or(std::vector<std::string>{}), "\n");
  }
  if (const auto* p = b.object("personality")) profile["personality"] = parse_personality(*p);
  for (const char* list : {"knowledge", "goals", "clients"})
    if (auto v = b.strings(list)) profile[list] = string_array(*v);
  if (const auto* s = b.object("settings")) profile["settings"] = *s;
  if (const auto* p = b.raw("plugins")) profile["plugins"] = parse_plugins(*p);

  const auto provider = b.one_of("modelProvider", kProviders);
  const auto model = b.string("model");
  if (model && model->empty()) throw field_required("model");
  if (provider || model) {
    const std::string p = provider.value_or(current ? provider_of(*current) : "builtin");
    const std::string m = model.value_or(provider || !current ? default_model(p) : current->model.substr(current->model.find('/') + 1));
    c.model = p == "builtin" ? std::string("builtin") : p + "/" + m;
  }
  if (const auto* ms = b.object("modelSettings")) {
    const JsonBody s{*ms};
    s.only({"temperature", "maxTokens", "topP", "frequencyPenalty", "presencePenalty"});
    auto scoped = [](AppError e) {
      if (e.violation) {
        e.message = "modelSettings." + e.message;
        e.violation->field = "modelSettings." + e.violation->field;
      }
      return e;
    };
    try {
      if (s.present("temperature")) c.temperature = s.number("temperature", 0, 2);
      if (s.present("maxTokens")) {
        auto v = s.integer("maxTokens", 1, 1'000'000);
        c.max_output_tokens = v ? std::optional<int>(static_cast<int>(*v)) : std::nullopt;
      }
      json::object rest;
      if (current)
        if (const auto* old = current->profile.if_contains("modelSettings"); old && old->is_object()) rest = old->as_object();
      const std::pair<const char*, std::pair<double, double>> ranges[] = {
          {"topP", {0, 1}}, {"frequencyPenalty", {-2, 2}}, {"presencePenalty", {-2, 2}}};
      for (const auto& [key, range] : ranges) {
        if (!s.present(key)) continue;
        if (auto v = s.number(key, range.first, range.second)) rest[key] = *v;
        else rest.erase(key);
      }
      profile["modelSettings"] = std::move(rest);
    } catch (const AppError& e) {
      throw scoped(e);
    }
  }
  if (const auto status = b.one_of("status", {"active", "inactive", "error"})) {
    c.is_active = *status == "active";
    profile["status"] = *status == "error" ? json::value("error") : json::value(nullptr);
    if (*status == "active" && (!current || !current->is_active)) profile["activeSince"] = iso8601_unix(now);
  }
  if (!current && !profile.contains("activeSince")) profile["activeSince"] = iso8601_unix(now);
  c.profile = std::move(profile);
  return c;
}

}  // namespace agentd::api::agents_v1
