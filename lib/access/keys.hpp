// API keys and scopes: generation, hashing, and the records that authenticate a request.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace agentd::db { class Conn; }

namespace agentd::access {

inline constexpr std::string_view kKeyPrefix = "agd_live_";
using KeyHash = std::array<unsigned char, 32>;

std::string generate_key();  // agd_live_ + 32 base62 characters
KeyHash hash_key(std::string_view key);
bool constant_time_equal(const KeyHash& a, const KeyHash& b);

// Every scope in its canonical order (the order of API.md 1.1), and the default-on ones.
const std::vector<std::string>& all_scopes();
const std::vector<std::string>& default_scopes();
bool is_known_scope(std::string_view scope);
// "a,b" or "a b" -> canonical order, duplicates removed; nullopt names the first unknown scope.
std::optional<std::vector<std::string>> parse_scopes(std::string_view list, std::string* unknown = nullptr);

struct Membership {
  std::int64_t org_id = 0;
  std::string slug;
  std::string plan;
};

struct KeyRecord {
  std::string id;
  KeyHash hash{};
  std::int64_t user_id = 0;
  std::optional<std::int64_t> org_id;  // empty: a user token that picks the organization per request
  std::optional<std::string> agent_id;  // set: an agent's auth key (X-Agent-Auth-Key only)
  std::string name;
  std::vector<std::string> scopes;
  std::optional<int> rpm, rph, concurrency;
  std::optional<double> expires_at;  // Unix seconds
  bool revoked = false;
  std::vector<Membership> memberships;  // the organizations it may act in

  bool has_scope(std::string_view scope) const;
  bool usable_at(double unix_now) const { return !revoked && (!expires_at || unix_now < *expires_at); }
};

std::optional<KeyRecord> load_key_by_hash(db::Conn& conn, const KeyHash& hash);

}  // namespace agentd::access
