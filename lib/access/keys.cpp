#include "access/keys.hpp"

#include "core/ids.hpp"
#include "db/store.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <memory>
#include <stdexcept>

namespace agentd::access {

std::string generate_key() { return std::string(kKeyPrefix) + random_base62(32); }

KeyHash hash_key(std::string_view key) {
  // Fetched once: OpenSSL 3's implicit fetch on every digest costs more than the digest.
  static EVP_MD* const sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  thread_local std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  KeyHash out{};
  unsigned int len = 0;
  if (!sha256 || !ctx || EVP_DigestInit_ex2(ctx.get(), sha256, nullptr) != 1 ||
      EVP_DigestUpdate(ctx.get(), key.data(), key.size()) != 1 || EVP_DigestFinal_ex(ctx.get(), out.data(), &len) != 1 ||
      len != out.size())
    throw std::runtime_error("SHA-256 failed");
  return out;
}

bool constant_time_equal(const KeyHash& a, const KeyHash& b) {
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

const std::vector<std::string>& all_scopes() {
  static const std::vector<std::string> scopes = {
      "orchestrator:invoke", "orchestrator:stream", "agents:list",    "agents:invoke",  "sessions:read",
      "sessions:messages",   "credits:read",        "agents:write",   "rag:upload",     "rag:read",
      "rag:delete",          "content:read",        "content:retry",  "content:create", "workspace:read",
      "workspace:write",     "tokens:manage",       "admin:read"};
  return scopes;
}

const std::vector<std::string>& default_scopes() {
  static const std::vector<std::string> scopes(all_scopes().begin(), all_scopes().begin() + 7);
  return scopes;
}

bool is_known_scope(std::string_view scope) {
  const auto& all = all_scopes();
  return std::find(all.begin(), all.end(), scope) != all.end();
}

std::optional<std::vector<std::string>> parse_scopes(std::string_view list, std::string* unknown) {
  std::vector<std::string> wanted;
  std::size_t i = 0;
  while (i < list.size()) {
    std::size_t j = list.find_first_of(", ", i);
    if (j == std::string_view::npos) j = list.size();
    std::string_view s = list.substr(i, j - i);
    if (!s.empty()) {
      if (!is_known_scope(s)) {
        if (unknown) *unknown = std::string(s);
        return std::nullopt;
      }
      wanted.emplace_back(s);
    }
    i = j + 1;
  }
  std::vector<std::string> ordered;
  for (const auto& s : all_scopes())
    if (std::find(wanted.begin(), wanted.end(), s) != wanted.end()) ordered.push_back(s);
  return ordered;
}

bool KeyRecord::has_scope(std::string_view scope) const {
  return std::find(scopes.begin(), scopes.end(), scope) != scopes.end();
}

std::optional<KeyRecord> load_key_by_hash(db::Conn& conn, const KeyHash& hash) {
  auto& q = conn.prepare(
      "SELECT id, hash, user_id, org_id, name, scopes, rpm, rph, concurrency, expires_at, revoked_at IS NOT NULL, "
      "agent_id FROM api_keys WHERE hash = ?");
  q.bind(1, hash.data(), static_cast<int>(hash.size()));
  if (!q.executeStep()) return std::nullopt;
  KeyRecord k;
  k.id = q.getColumn(0).getString();
  auto stored = q.getColumn(1);
  if (stored.getBytes() != static_cast<int>(k.hash.size())) return std::nullopt;
  std::copy_n(static_cast<const unsigned char*>(stored.getBlob()), k.hash.size(), k.hash.begin());
  if (!constant_time_equal(k.hash, hash)) return std::nullopt;
  k.user_id = q.getColumn(2).getInt64();
  if (!q.getColumn(3).isNull()) k.org_id = q.getColumn(3).getInt64();
  k.name = q.getColumn(4).getString();
  k.scopes = parse_scopes(q.getColumn(5).getString()).value_or(std::vector<std::string>{});
  if (!q.getColumn(6).isNull()) k.rpm = q.getColumn(6).getInt();
  if (!q.getColumn(7).isNull()) k.rph = q.getColumn(7).getInt();
  if (!q.getColumn(8).isNull()) k.concurrency = q.getColumn(8).getInt();
  if (!q.getColumn(9).isNull()) k.expires_at = q.getColumn(9).getDouble();
  k.revoked = q.getColumn(10).getInt() != 0;
  if (!q.getColumn(11).isNull()) k.agent_id = q.getColumn(11).getString();
  q.reset();

  auto& m = conn.prepare(
      "SELECT o.id, o.slug, o.plan FROM organizations o "
      "WHERE (?1 IS NOT NULL AND o.id = ?1) "
      "   OR (?1 IS NULL AND o.id IN (SELECT org_id FROM memberships WHERE user_id = ?2)) "
      "ORDER BY o.id");
  if (k.org_id) m.bind(1, *k.org_id);
  m.bind(2, k.user_id);
  while (m.executeStep())
    k.memberships.push_back({m.getColumn(0).getInt64(), m.getColumn(1).getString(), m.getColumn(2).getString()});
  return k;
}

}  // namespace agentd::access
