#include "agents/registry.hpp"

#include "core/clock.hpp"
#include "core/errors.hpp"
#include "core/ids.hpp"
#include "db/row.hpp"
#include "db/store.hpp"

#include <boost/json.hpp>

#include <algorithm>

namespace agentd::agents {
namespace json = boost::json;
namespace {

std::string to_json(const std::vector<std::string>& v) {
  json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return json::serialize(a);
}

std::vector<std::string> from_json(const std::string& text) {
  std::vector<std::string> out;
  json::error_code ec;
  auto v = json::parse(text, ec);
  if (!ec && v.is_array())
    for (const auto& e : v.as_array())
      if (e.is_string()) out.emplace_back(e.as_string());
  return out;
}

const std::string kSelect =
    "SELECT id, uuid, slug, name, description, agent_type, instruction, model, temperature, max_output_tokens, "
    "max_llm_calls, tools, "
    "(SELECT json_group_array(public_id) FROM (SELECT d.public_id FROM agent_datastores l "
    "  JOIN datastores d ON d.id = l.datastore_id WHERE l.agent_id = agents.id ORDER BY l.position)), "
    "sub_agents, max_iterations, is_active, protected, profile, created_at, updated_at FROM agents ";

Agent read_agent(SQLite::Statement& q) {
  Agent a;
  a.id = q.getColumn(0).getString();
  a.uuid = q.getColumn(1).getString();
  a.slug = q.getColumn(2).getString();
  a.name = q.getColumn(3).getString();
  a.description = q.getColumn(4).getString();
  a.agent_type = q.getColumn(5).getString();
  a.instruction = q.getColumn(6).getString();
  a.model = q.getColumn(7).getString();
  if (!q.getColumn(8).isNull()) a.temperature = q.getColumn(8).getDouble();
  if (!q.getColumn(9).isNull()) a.max_output_tokens = q.getColumn(9).getInt();
  a.max_llm_calls = q.getColumn(10).getInt();
  a.tools = from_json(q.getColumn(11).getString());
  a.datastore_ids = from_json(q.getColumn(12).getString());
  a.sub_agents = from_json(q.getColumn(13).getString());
  a.max_iterations = q.getColumn(14).getInt();
  a.is_active = q.getColumn(15).getInt() != 0;
  a.is_protected = q.getColumn(16).getInt() != 0;
  json::error_code ec;
  auto profile = json::parse(q.getColumn(17).getString(), ec);
  if (!ec && profile.is_object()) a.profile = std::move(profile.as_object());
  a.created_at = q.getColumn(18).getString();
  a.updated_at = q.getColumn(19).getString();
  return a;
}

bool contains(const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); }

// Applies and validates; returns the names of the fields that changed.
std::vector<std::string> apply(db::Conn& conn, std::int64_t org_id, Agent& a, const AgentChanges& c) {
  std::vector<std::string> changed;
  auto set = [&](auto& field, const auto& value, const char* name) {
    if (!(field == value)) {
      field = value;
      changed.emplace_back(name);
    }
  };
  if (c.name) {
    if (c.name->empty() || c.name->size() > 200) throw bad_request("name must be 1 to 200 characters", "name");
    set(a.name, *c.name, "name");
  }
  if (c.description) set(a.description, *c.description, "description");
  if (c.agent_type) {
    if (!contains(agent_types(), *c.agent_type))
      throw bad_request("agent_type must be one of LLM_AGENT, SEQUENTIAL_AGENT, PARALLEL_AGENT, LOOP_AGENT", "agent_type");
    set(a.agent_type, *c.agent_type, "agent_type");
  }
  if (c.instruction) set(a.instruction, *c.instruction, "instruction");
  if (c.model) {
    const auto slash = c.model->find('/');
    if (*c.model != "builtin" && (slash == std::string::npos || slash == 0 || slash + 1 == c.model->size()))
      throw bad_request("model must be \"builtin\" or PROVIDER/MODEL", "model");
    set(a.model, *c.model, "model");
  }
  if (c.temperature) {
    if (*c.temperature && (**c.temperature < 0 || **c.temperature > 2))
      throw bad_request("temperature must be between 0 and 2", "temperature");
    set(a.temperature, *c.temperature, "temperature");
  }
  if (c.max_output_tokens) {
    if (*c.max_output_tokens && (**c.max_output_tokens < 1 || **c.max_output_tokens > 1'000'000))
      throw bad_request("max_output_tokens must be between 1 and 1000000", "max_output_tokens");
    set(a.max_output_tokens, *c.max_output_tokens, "max_output_tokens");
  }
  if (c.max_llm_calls) {
    if (*c.max_llm_calls < 1 || *c.max_llm_calls > 50) throw bad_request("max_llm_calls must be between 1 and 50", "max_llm_calls");
    set(a.max_llm_calls, *c.max_llm_calls, "max_llm_calls");
  }
  if (c.max_iterations) {
    if (*c.max_iterations < 1 || *c.max_iterations > 50) throw bad_request("max_iterations must be between 1 and 50", "max_iterations");
    set(a.max_iterations, *c.max_iterations, "max_iterations");
  }
  if (c.tools) {
    for (const auto& t : *c.tools)
      if (!contains(tool_names(), t))
        throw bad_request("Unknown tool '" + t + "': one of rag_search, generate_content, remember, create_reminder", "tools");
    set(a.tools, *c.tools, "tools");
  }
  if (c.datastore_ids) {
    for (const auto& d : *c.datastore_ids) {
      auto& q = conn.prepare("SELECT 1 FROM datastores WHERE org_id = ? AND public_id = ?");
      q.bind(1, org_id);
      q.bind(2, d);
      if (!q.executeStep()) throw bad_request("DataStore not found: " + d, "datastore_ids");
    }
    set(a.datastore_ids, *c.datastore_ids, "datastore_ids");
  }
  if (c.sub_agents) {
    std::vector<std::string> ids;
    for (const auto& ref : *c.sub_agents) {
      auto sub = find_agent(conn, org_id, ref);
      if (!sub) throw bad_request("Agent not found: " + ref, "sub_agents");
      if (sub->id == a.id) throw bad_request("An agent cannot be its own sub-agent", "sub_agents");
      ids.push_back(sub->id);
    }
    set(a.sub_agents, ids, "sub_agents");
  }
  if (c.is_active) set(a.is_active, *c.is_active, "is_active");
  if (c.is_protected) set(a.is_protected, *c.is_protected, "protected");
  if (c.profile)
    for (const auto& kv : *c.profile) {
      const auto* old = a.profile.if_contains(kv.key());
      if (kv.value().is_null()) {
        if (old) a.profile.erase(kv.key());
      } else if (!old || *old != kv.value()) {
        a.profile[kv.key()] = kv.value();
      } else {
        continue;
      }
      changed.push_back("profile." + std::string(kv.key()));
    }
  if (a.agent_type != "LLM_AGENT" && a.sub_agents.empty())
    throw bad_request(a.agent_type + " needs at least one sub-agent", "sub_agents");
  return changed;
}

void save(db::Conn& conn, const Agent& a) {
  auto& q = conn.prepare(
      "UPDATE agents SET slug = ?, name = ?, description = ?, agent_type = ?, instruction = ?, model = ?, "
      "temperature = ?, max_output_tokens = ?, max_llm_calls = ?, tools = ?, sub_agents = ?, "
      "max_iterations = ?, is_active = ?, protected = ?, profile = ?, updated_at = ? WHERE id = ?");
  db::bind_all(q, a.slug, a.name, a.description, a.agent_type, a.instruction, a.model, a.temperature,
               a.max_output_tokens, a.max_llm_calls, to_json(a.tools), to_json(a.sub_agents), a.max_iterations,
               a.is_active, a.is_protected, json::serialize(a.profile), a.updated_at, a.id)
      .exec();
  auto& unlink = conn.prepare("DELETE FROM agent_datastores WHERE agent_id = ?");
  db::bind_all(unlink, a.id).exec();
  for (std::size_t i = 0; i < a.datastore_ids.size(); ++i) {
    auto& link = conn.prepare(
        "INSERT OR IGNORE INTO agent_datastores(agent_id, datastore_id, position) "
        "SELECT a.id, d.id, ? FROM agents a JOIN datastores d ON d.org_id = a.org_id AND d.public_id = ? WHERE a.id = ?");
    db::bind_all(link, static_cast<std::int64_t>(i), a.datastore_ids[i], a.id).exec();
  }
}

// A slug unique in the organization: the name's, then -2, -3 ...
std::string unique_slug(db::Conn& conn, std::int64_t org_id, const std::string& name, const std::string& own_id) {
  std::string base = slugify(name);
  if (base.empty()) base = "agent";
  for (int n = 1;; ++n) {
    const std::string candidate = n == 1 ? base : base + "-" + std::to_string(n);
    auto& q = conn.prepare("SELECT id FROM agents WHERE org_id = ? AND slug = ?");
    q.bind(1, org_id);
    q.bind(2, candidate);
    if (!q.executeStep() || q.getColumn(0).getString() == own_id) return candidate;
  }
}

}  // namespace

const std::vector<std::string>& agent_types() {
  static const std::vector<std::string> v = {"LLM_AGENT", "SEQUENTIAL_AGENT", "PARALLEL_AGENT", "LOOP_AGENT"};
  return v;
}

const std::vector<std::string>& tool_names() {
  static const std::vector<std::string> v = {"rag_search", "generate_content", "remember", "create_reminder"};
  return v;
}

Agent create_agent(db::Conn& conn, std::int64_t org_id, const AgentChanges& changes, double now) {
  if (!changes.name) throw invalid_field("name", "required", {}, "name is required");
  Agent a;
  a.id = "agent_" + random_hex(12);
  a.uuid = uuid_v4();
  a.created_at = a.updated_at = iso8601_unix(now);
  apply(conn, org_id, a, changes);
  a.slug = unique_slug(conn, org_id, a.name, a.id);
  auto& ins = conn.prepare("INSERT INTO agents(id, uuid, org_id, slug, name, agent_type, created_at, updated_at) "
                           "VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  ins.bind(1, a.id);
  ins.bind(2, a.uuid);
  ins.bind(3, org_id);
  ins.bind(4, a.slug);
  ins.bind(5, a.name);
  ins.bind(6, a.agent_type);
  ins.bind(7, a.created_at);
  ins.bind(8, a.updated_at);
  ins.exec();
  save(conn, a);
  return a;
}

std::vector<std::string> update_agent(db::Conn& conn, std::int64_t org_id, Agent& agent, const AgentChanges& changes,
                                      double now) {
  auto changed = apply(conn, org_id, agent, changes);
  if (changed.empty()) return changed;
  if (std::find(changed.begin(), changed.end(), "name") != changed.end())
    agent.slug = unique_slug(conn, org_id, agent.name, agent.id);
  agent.updated_at = iso8601_unix(now);
  save(conn, agent);
  return changed;
}

void delete_agent(db::Conn& conn, std::int64_t org_id, const Agent& agent) {
  auto& del = conn.prepare("DELETE FROM agents WHERE org_id = ? AND id = ?");
  del.bind(1, org_id);
  del.bind(2, agent.id);
  del.exec();
  // Containers that named it lose it.
  auto& users = conn.prepare(kSelect + "WHERE org_id = ? AND EXISTS (SELECT 1 FROM json_each(sub_agents) WHERE value = ?)");
  users.bind(1, org_id);
  users.bind(2, agent.id);
  std::vector<Agent> containers;
  while (users.executeStep()) containers.push_back(read_agent(users));
  for (auto& c : containers) {
    std::erase(c.sub_agents, agent.id);
    save(conn, c);
  }
}

std::optional<Agent> find_agent(db::Conn& conn, std::int64_t org_id, const std::string& ref) {
  auto& q = conn.prepare(kSelect + "WHERE org_id = ?1 AND (id = ?2 OR uuid = ?2 OR slug = ?2)");
  q.bind(1, org_id);
  q.bind(2, ref);
  if (!q.executeStep()) return std::nullopt;
  return read_agent(q);
}

std::string system_instruction(const Agent& a) {
  std::string out = a.instruction;
  if (const auto* k = a.profile.if_contains("knowledge"); k && k->is_array())
    for (const auto& line : k->as_array())
      if (line.is_string() && !line.as_string().empty()) {
        if (!out.empty()) out += "\n";
        out += line.as_string();
      }
  return out;
}

std::string agent_status(const Agent& a) {
  if (const auto* st = a.profile.if_contains("status"); st && st->is_string() && st->as_string() == "error") return "error";
  return a.is_active ? "active" : "inactive";
}

AgentPage list_agents(db::Conn& conn, std::int64_t org_id, const AgentQuery& query) {
  static const std::string status =
      "(CASE WHEN json_extract(profile, '$.status') = 'error' THEN 'error' WHEN is_active THEN 'active' ELSE 'inactive' END)";
  const std::string where = "WHERE org_id = ?1 AND (?2 = '' OR agent_type = ?2) AND (?3 IS NULL OR is_active = ?3) "
                            "AND (?4 = '' OR " + status + " = ?4) ";
  const std::string dir = query.descending ? " DESC" : "";
  // Ties (agents created in the same second) go by insertion order.
  const std::string order = query.sort == "name"     ? "name COLLATE NOCASE" + dir + ", rowid" + dir
                            : query.sort == "status" ? status + dir + ", created_at, rowid"
                                                     : "created_at" + dir + ", rowid" + dir;
  AgentPage page;
  auto& count = conn.prepare("SELECT COUNT(*) FROM agents " + where);
  db::bind_all(count, org_id, query.agent_type, query.is_active, query.status);
  if (count.executeStep()) page.total = count.getColumn(0).getInt64();
  auto& q = conn.prepare(kSelect + where + "ORDER BY " + order + " LIMIT ?5 OFFSET ?6");
  db::bind_all(q, org_id, query.agent_type, query.is_active, query.status, query.limit, query.offset);
  while (q.executeStep()) page.agents.push_back(read_agent(q));
  return page;
}

}  // namespace agentd::agents
