#include "access/tokens.hpp"

#include "access/keys.hpp"
#include "core/clock.hpp"
#include "core/ids.hpp"
#include "db/row.hpp"
#include "db/store.hpp"

namespace agentd::access {
namespace {

std::string spaced(const std::vector<std::string>& scopes) {
  std::string out;
  for (const auto& s : scopes) out += (out.empty() ? "" : " ") + s;
  return out;
}

// Inserts a key row; returns its id and secret.
std::pair<std::string, std::string> insert_key(db::Conn& conn, std::int64_t user_id, std::optional<std::int64_t> org_id,
                                               std::optional<std::string> agent_id, const std::string& name,
                                               const std::vector<std::string>& scopes, const std::string& at) {
  const std::string id = "key_" + random_hex(16);
  const std::string secret = generate_key();
  const KeyHash hash = hash_key(secret);
  auto& ins = conn.prepare(
      "INSERT INTO api_keys(id, user_id, org_id, agent_id, name, prefix, hash, scopes, created_at) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
  db::bind_all(ins, id, user_id, org_id, agent_id, name, secret.substr(0, kKeyPrefix.size() + 4));
  ins.bind(7, hash.data(), static_cast<int>(hash.size()));
  ins.bind(8, spaced(scopes));
  ins.bind(9, at);
  ins.exec();
  return {id, secret};
}

}  // namespace

CreatedToken create_user_token(db::Conn& conn, std::int64_t user_id, const std::string& name,
                               const std::vector<std::string>& scopes) {
  const std::string at = now_iso8601();
  auto [id, secret] = insert_key(conn, user_id, std::nullopt, std::nullopt, name, scopes, at);
  return {{id, name, at, std::nullopt}, secret};
}

std::vector<Token> list_user_tokens(db::Conn& conn, std::int64_t user_id) {
  auto& q = conn.prepare(
      "SELECT id, name, created_at, last_used_at FROM api_keys "
      "WHERE user_id = ? AND agent_id IS NULL AND revoked_at IS NULL ORDER BY created_at, id");
  db::bind_all(q, user_id);
  std::vector<Token> out;
  while (q.executeStep())
    out.push_back({q.getColumn(0).getString(), q.getColumn(1).getString(), q.getColumn(2).getString(),
                   db::nullable<std::string>(q.getColumn(3))});
  return out;
}

bool revoke_user_token(db::Conn& conn, std::int64_t user_id, const std::string& id) {
  auto& q = conn.prepare(
      "UPDATE api_keys SET revoked_at = ? WHERE id = ? AND user_id = ? AND agent_id IS NULL AND revoked_at IS NULL");
  db::bind_all(q, now_iso8601(), id, user_id);
  return q.exec() > 0;
}

const std::vector<std::string>& agent_key_scopes() {
  static const std::vector<std::string> scopes = {"agents:invoke", "workspace:read", "workspace:write"};
  return scopes;
}

AgentKey rotate_agent_key(db::Conn& conn, std::int64_t org_id, const std::string& agent_id) {
  const std::string at = now_iso8601();
  auto& old = conn.prepare("UPDATE api_keys SET revoked_at = ? WHERE agent_id = ? AND revoked_at IS NULL");
  db::bind_all(old, at, agent_id);
  old.exec();
  // The key acts for the organization's owner, in the agent's organization only.
  auto& owner = conn.prepare("SELECT user_id FROM memberships WHERE org_id = ? ORDER BY (role = 'owner') DESC, user_id LIMIT 1");
  db::bind_all(owner, org_id);
  if (!owner.executeStep()) throw std::runtime_error("organization has no member");
  const std::int64_t user_id = owner.getColumn(0).getInt64();
  owner.reset();
  auto created = insert_key(conn, user_id, org_id, agent_id, "agent auth key", agent_key_scopes(), at);
  return {created.second, at};
}

}  // namespace agentd::access
