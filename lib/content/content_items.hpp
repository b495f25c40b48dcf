// Generated content items (API.md 3.5, seed 003) as stored: functions take a connection inside
// a Store transaction.
#pragma once

#include "core/money.hpp"

#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace agentd::db { class Conn; }

namespace agentd::content {

inline const std::vector<std::string>& content_types() {
  static const std::vector<std::string> v = {"image", "video", "audio", "glb", "other"};
  return v;
}
inline const std::vector<std::string>& content_statuses() {
  static const std::vector<std::string> v = {"pending", "processing", "completed", "failed"};
  return v;
}

struct ContentItem {
  std::string id;
  std::int64_t org_id = 0, user_id = 0;
  std::string org_slug;
  std::string content_type, status = "pending", prompt, model;
  boost::json::object input;
  std::optional<std::string> replicate_version, replicate_prediction_id;
  std::optional<boost::json::object> replicate_input;
  std::optional<std::string> output_url, storage_path, error_message;
  int retry_count = 0, max_retries = 3;
  std::optional<Micros> credit_cost;
  std::optional<std::int64_t> processing_time_ms;
  std::string created_at;
  std::optional<std::string> started_at, completed_at;
  std::string reservation_id;
  double created_unix = 0;
};

void insert_item(db::Conn& conn, const ContentItem& item);
std::optional<ContentItem> find_item(db::Conn& conn, std::int64_t org_id, const std::string& id);
std::optional<ContentItem> find_item(db::Conn& conn, const std::string& id);

struct ItemPage {
  std::vector<ContentItem> items;
  std::int64_t total = 0;
};
// Newest first; empty filters: any.
ItemPage list_items(db::Conn& conn, std::int64_t org_id, const std::string& content_type, const std::string& status,
                    std::int64_t offset, std::int64_t limit);

// pending -> processing; false when it is not pending (done already, or failed).
bool start_item(db::Conn& conn, const std::string& id, double now);
// A Replicate item's prediction, kept as soon as it exists: a job resumed after a restart reads
// it again instead of paying for another.
void record_prediction(db::Conn& conn, const std::string& id, const std::string& prediction_id, const std::string& version);
// output_url: the provider's URL of the file (none for builtin items).
void complete_item(db::Conn& conn, const ContentItem& item, const std::string& storage_path,
                   const std::optional<std::string>& output_url, Micros cost, double now);
void fail_item(db::Conn& conn, const std::string& id, const std::string& message, double now);
// failed -> pending for another attempt under a new hold (a new prediction for Replicate).
void requeue_item(db::Conn& conn, const std::string& id, const std::string& reservation_id);

}  // namespace agentd::content
