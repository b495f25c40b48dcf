// Keys that the Workspace API manages (API.md 1.1, 5): a user's tokens (POST /tokens), which
// pick their team per request among the user's memberships, and an agent's auth key
// (X-Agent-Auth-Key), which acts as that agent in its organization. Both are api_keys rows;
// functions run inside a Store transaction.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace agentd::db { class Conn; }

namespace agentd::access {

struct Token {
  std::string id, name, created_at;
  std::optional<std::string> last_used_at;
};
struct CreatedToken {
  Token token;
  std::string secret;  // shown once
};

// `scopes` must be a subset of the creator's (the caller checks).
CreatedToken create_user_token(db::Conn& conn, std::int64_t user_id, const std::string& name,
                               const std::vector<std::string>& scopes);
// The user's keys that are not revoked (agent keys aside), oldest first.
std::vector<Token> list_user_tokens(db::Conn& conn, std::int64_t user_id);
// False when the user has no such key.
bool revoke_user_token(db::Conn& conn, std::int64_t user_id, const std::string& id);

// The scopes of an agent's auth key.
const std::vector<std::string>& agent_key_scopes();
struct AgentKey {
  std::string secret, created_at;
};
// A new auth key for the agent; its previous one is revoked.
AgentKey rotate_agent_key(db::Conn& conn, std::int64_t org_id, const std::string& agent_id);

}  // namespace agentd::access
