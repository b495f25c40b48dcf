// Datastores (knowledge bases) in SQLite. Functions take a connection inside a Store
// transaction (write functions: the writer). No JSON here.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace agentd::db { class Conn; }

namespace agentd::knowledge {

struct Datastore {
  std::int64_t id = 0;
  std::int64_t org_id = 0;
  std::string public_id;
  std::string display_name;
  std::optional<std::string> description;
  std::string created_at;
  std::int64_t document_count = 0;  // completed files that search can see
};

struct DatastoreStats {
  std::int64_t total_bytes = 0;
  std::int64_t chunk_count = 0;
  std::vector<std::string> connected_agents;
};

// Throws AppError conflict `datastore_exists` (with existing_datastore_id) on a taken name.
Datastore create_datastore(db::Conn& conn, std::int64_t org_id, const std::string& name,
                           const std::optional<std::string>& description);
std::vector<Datastore> list_datastores(db::Conn& conn, std::int64_t org_id);
std::optional<Datastore> find_datastore(db::Conn& conn, std::int64_t org_id, const std::string& public_id);
DatastoreStats datastore_stats(db::Conn& conn, const Datastore& ds);
// Slugs of agents whose datastore_ids name this datastore.
std::vector<std::string> connected_agents(db::Conn& conn, const Datastore& ds);
// Deletes the datastore, its uploads and chunks, and removes it from the agents that named it;
// returns the stored files to remove.
std::vector<std::string> delete_datastore(db::Conn& conn, const Datastore& ds);

}  // namespace agentd::knowledge
