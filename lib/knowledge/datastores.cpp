#include "knowledge/datastores.hpp"

#include "core/clock.hpp"
#include "core/errors.hpp"
#include "core/ids.hpp"
#include "db/row.hpp"
#include "db/store.hpp"

namespace agentd::knowledge {
namespace {

Datastore read_datastore(SQLite::Statement& q) {
  return Datastore{q.getColumn(0).getInt64(), q.getColumn(6).getInt64(), q.getColumn(1).getString(),
                   q.getColumn(2).getString(), db::nullable<std::string>(q.getColumn(3)), q.getColumn(4).getString(),
                   q.getColumn(5).getInt64()};
}

const std::string kDatastoreSelect =
    "SELECT d.id, d.public_id, d.display_name, d.description, d.created_at, "
    "(SELECT COUNT(*) FROM uploads u WHERE u.datastore_id = d.id AND u.status = 'completed' "
    "  AND u.replaced_by IS NULL), d.org_id FROM datastores d ";

}  // namespace

Datastore create_datastore(db::Conn& conn, std::int64_t org_id, const std::string& name,
                           const std::optional<std::string>& description) {
  {
    auto& q = conn.prepare("SELECT public_id FROM datastores WHERE org_id = ? AND display_name = ?");
    q.bind(1, org_id);
    q.bind(2, name);
    if (q.executeStep())
      throw AppError(ErrorKind::conflict, "datastore_exists", "DataStore with name '" + name + "' already exists",
                     {{"existing_datastore_id", q.getColumn(0).getString()}});
  }
  std::string slug = slugify(name);
  if (slug.empty()) slug = "datastore";
  Datastore ds{0, org_id, slug + "-" + random_hex(8), name, description, now_iso8601(), 0};
  auto& ins = conn.prepare(
      "INSERT INTO datastores(public_id, org_id, display_name, description, created_at) VALUES (?, ?, ?, ?, ?)");
  ins.bind(1, ds.public_id);
  ins.bind(2, org_id);
  ins.bind(3, name);
  if (description) ins.bind(4, *description); else ins.bind(4);
  ins.bind(5, ds.created_at);
  ins.exec();
  ds.id = conn.last_insert_rowid();
  return ds;
}

std::vector<Datastore> list_datastores(db::Conn& conn, std::int64_t org_id) {
  auto& q = conn.prepare(kDatastoreSelect + "WHERE d.org_id = ? ORDER BY d.created_at DESC, d.id DESC");
  q.bind(1, org_id);
  std::vector<Datastore> out;
  while (q.executeStep()) out.push_back(read_datastore(q));
  return out;
}

std::optional<Datastore> find_datastore(db::Conn& conn, std::int64_t org_id, const std::string& public_id) {
  auto& q = conn.prepare(kDatastoreSelect + "WHERE d.org_id = ? AND d.public_id = ?");
  q.bind(1, org_id);
  q.bind(2, public_id);
  if (!q.executeStep()) return std::nullopt;
  return read_datastore(q);
}

DatastoreStats datastore_stats(db::Conn& conn, const Datastore& ds) {
  DatastoreStats s;
  auto& q = conn.prepare(
      "SELECT (SELECT COALESCE(SUM(file_size), 0) FROM uploads WHERE datastore_id = ?1 AND replaced_by IS NULL), "
      "(SELECT COUNT(*) FROM chunks WHERE datastore_id = ?1)");
  q.bind(1, ds.id);
  q.executeStep();
  s.total_bytes = q.getColumn(0).getInt64();
  s.chunk_count = q.getColumn(1).getInt64();
  s.connected_agents = connected_agents(conn, ds);
  return s;
}

std::vector<std::string> connected_agents(db::Conn& conn, const Datastore& ds) {
  auto& q = conn.prepare("SELECT a.slug FROM agent_datastores l JOIN agents a ON a.id = l.agent_id "
                         "WHERE l.datastore_id = ? ORDER BY a.slug");
  db::bind_all(q, ds.id);
  std::vector<std::string> out;
  while (q.executeStep()) out.push_back(q.getColumn(0).getString());
  return out;
}

std::vector<std::string> delete_datastore(db::Conn& conn, const Datastore& ds) {
  // Agents that named it lose it with its agent_datastores rows (ON DELETE CASCADE).
  std::vector<std::string> paths;
  auto& files = conn.prepare("SELECT storage_path FROM uploads WHERE datastore_id = ?");
  db::bind_all(files, ds.id);
  while (files.executeStep()) paths.push_back(files.getColumn(0).getString());
  auto& chunks = conn.prepare("DELETE FROM chunks WHERE datastore_id = ?");
  chunks.bind(1, ds.id);
  chunks.exec();
  auto& uploads = conn.prepare("DELETE FROM uploads WHERE datastore_id = ?");
  uploads.bind(1, ds.id);
  uploads.exec();
  auto& del = conn.prepare("DELETE FROM datastores WHERE id = ?");
  del.bind(1, ds.id);
  del.exec();
  return paths;
}

}  // namespace agentd::knowledge
