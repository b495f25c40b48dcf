// Organizations, users and keys as the operator manages them (`agentd admin ...`, bootstrap).
// Each function runs on the writer connection inside a Store::write transaction.
#pragma once

#include "core/money.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace agentd::db { class Conn; class Store; }

namespace agentd::access {

inline const std::vector<std::string>& plan_names() {
  static const std::vector<std::string> names = {"free", "basic", "pro", "enterprise"};
  return names;
}

struct Organization {
  std::int64_t id = 0;
  std::string slug, name, plan;
  Micros balance = 0;
  std::int64_t owner_user_id = 0;
};

std::optional<Organization> find_org(db::Conn& conn, const std::string& slug);
// Creates the organization, its owner user and, when credits > 0, a grant. Throws AppError
// conflict when the slug is taken, bad_request on an invalid slug or plan.
Organization create_org(db::Conn& conn, const std::string& slug, const std::string& name, const std::string& plan,
                        Micros credits);

struct KeySpec {
  std::string name = "default";
  std::vector<std::string> scopes;
  std::optional<int> rpm, rph, concurrency;
  std::optional<double> expires_at;
};

struct CreatedKey {
  std::string id;
  std::string secret;  // the only time the key is known in clear
};

CreatedKey create_key(db::Conn& conn, const Organization& org, const KeySpec& spec);

struct KeyInfo {
  std::string id, name, prefix, scopes, created_at, last_used_at, expires_at, revoked_at;
  std::optional<int> rpm, rph, concurrency;
};
std::vector<KeyInfo> list_keys(db::Conn& conn, std::int64_t org_id);
// False when no such key or already revoked.
bool revoke_key(db::Conn& conn, const std::string& key_id);

// On an empty data directory (no organization yet): the `default` organization on plan pro with
// 100 credits, its user, and a key with every scope. Returns that key, or nothing if not empty.
std::optional<std::string> bootstrap(db::Store& store);

}  // namespace agentd::access
