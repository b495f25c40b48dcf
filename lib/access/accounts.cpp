#include "access/accounts.hpp"

#include "access/credits.hpp"
#include "access/keys.hpp"
#include "core/clock.hpp"
#include "core/errors.hpp"
#include "core/ids.hpp"
#include "db/store.hpp"

#include <algorithm>

namespace agentd::access {
namespace {

std::string join(const std::vector<std::string>& parts, char sep) {
  std::string out;
  for (const auto& p : parts) {
    if (!out.empty()) out.push_back(sep);
    out += p;
  }
  return out;
}

bool valid_slug(const std::string& s) {
  if (s.empty() || s.size() > 64 || s.front() == '-' || s.back() == '-') return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; });
}

}  // namespace

std::optional<Organization> find_org(db::Conn& conn, const std::string& slug) {
  auto& q = conn.prepare(
      "SELECT o.id, o.slug, o.name, o.plan, o.balance_micros, "
      "(SELECT MIN(user_id) FROM memberships m WHERE m.org_id = o.id) FROM organizations o WHERE o.slug = ?");
  q.bind(1, slug);
  if (!q.executeStep()) return std::nullopt;
  return Organization{q.getColumn(0).getInt64(), q.getColumn(1).getString(), q.getColumn(2).getString(),
                      q.getColumn(3).getString(), q.getColumn(4).getInt64(), q.getColumn(5).getInt64()};
}

Organization create_org(db::Conn& conn, const std::string& slug, const std::string& name, const std::string& plan,
                        Micros credits) {
  if (!valid_slug(slug))
    throw bad_request("Invalid slug '" + slug + "': use lower-case letters, digits and '-'", "slug");
  const auto& plans = plan_names();
  if (std::find(plans.begin(), plans.end(), plan) == plans.end())
    throw bad_request("Invalid plan '" + plan + "': one of free, basic, pro, enterprise", "plan");
  if (find_org(conn, slug)) throw AppError(ErrorKind::conflict, "org_exists", "Organization '" + slug + "' already exists");
  const std::string now = now_iso8601();
  auto& ins = conn.prepare("INSERT INTO organizations(slug, name, plan, created_at) VALUES (?, ?, ?, ?)");
  ins.bind(1, slug);
  ins.bind(2, name.empty() ? slug : name);
  ins.bind(3, plan);
  ins.bind(4, now);
  ins.exec();
  Organization org{conn.last_insert_rowid(), slug, name.empty() ? slug : name, plan, 0, 0};
  auto& user = conn.prepare("INSERT INTO users(name, created_at) VALUES (?, ?)");
  user.bind(1, org.name + " owner");
  user.bind(2, now);
  user.exec();
  org.owner_user_id = conn.last_insert_rowid();
  auto& member = conn.prepare("INSERT INTO memberships(org_id, user_id, role) VALUES (?, ?, 'owner')");
  member.bind(1, org.id);
  member.bind(2, org.owner_user_id);
  member.exec();
  if (credits > 0) org.balance = grant_credits(conn, org.id, credits, "initial credits");
  return org;
}

CreatedKey create_key(db::Conn& conn, const Organization& org, const KeySpec& spec) {
  CreatedKey k{"key_" + random_hex(16), generate_key()};
  const KeyHash hash = hash_key(k.secret);
  auto& ins = conn.prepare(
      "INSERT INTO api_keys(id, user_id, org_id, name, prefix, hash, scopes, rpm, rph, concurrency, expires_at, "
      "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  ins.bind(1, k.id);
  ins.bind(2, org.owner_user_id);
  ins.bind(3, org.id);
  ins.bind(4, spec.name);
  ins.bind(5, k.secret.substr(0, kKeyPrefix.size() + 4));
  ins.bind(6, hash.data(), static_cast<int>(hash.size()));
  ins.bind(7, join(spec.scopes, ' '));
  if (spec.rpm) ins.bind(8, *spec.rpm);
  if (spec.rph) ins.bind(9, *spec.rph);
  if (spec.concurrency) ins.bind(10, *spec.concurrency);
  if (spec.expires_at) ins.bind(11, *spec.expires_at);
  ins.bind(12, now_iso8601());
  ins.exec();
  return k;
}

std::vector<KeyInfo> list_keys(db::Conn& conn, std::int64_t org_id) {
  auto& q = conn.prepare(
      "SELECT id, name, prefix, scopes, created_at, COALESCE(last_used_at, ''), expires_at, "
      "COALESCE(revoked_at, ''), rpm, rph, concurrency FROM api_keys WHERE org_id = ? ORDER BY created_at, id");
  q.bind(1, org_id);
  std::vector<KeyInfo> out;
  while (q.executeStep()) {
    KeyInfo k;
    k.id = q.getColumn(0).getString();
    k.name = q.getColumn(1).getString();
    k.prefix = q.getColumn(2).getString();
    k.scopes = q.getColumn(3).getString();
    k.created_at = q.getColumn(4).getString();
    k.last_used_at = q.getColumn(5).getString();
    if (!q.getColumn(6).isNull()) k.expires_at = iso8601_unix(q.getColumn(6).getDouble());
    k.revoked_at = q.getColumn(7).getString();
    if (!q.getColumn(8).isNull()) k.rpm = q.getColumn(8).getInt();
    if (!q.getColumn(9).isNull()) k.rph = q.getColumn(9).getInt();
    if (!q.getColumn(10).isNull()) k.concurrency = q.getColumn(10).getInt();
    out.push_back(std::move(k));
  }
  return out;
}

bool revoke_key(db::Conn& conn, const std::string& key_id) {
  auto& upd = conn.prepare("UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL");
  upd.bind(1, now_iso8601());
  upd.bind(2, key_id);
  return upd.exec() > 0;
}

std::optional<std::string> bootstrap(db::Store& store) {
  return store.write([](db::Conn& conn) -> std::optional<std::string> {
    auto& any = conn.prepare("SELECT EXISTS (SELECT 1 FROM organizations)");
    any.executeStep();
    const bool has_org = any.getColumn(0).getInt() != 0;
    any.reset();
    if (has_org) return std::nullopt;
    Organization org = create_org(conn, "default", "Default", "pro", 100 * kMicrosPerCredit);
    KeySpec spec;
    spec.name = "bootstrap";
    spec.scopes = all_scopes();
    return create_key(conn, org, spec).secret;
  });
}

}  // namespace agentd::access
