// Chat sessions (API.md 3.3): stored per organization and key owner, created by chat
// completions. Functions take a connection inside a Store transaction.
#pragma once

#include "models/types.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace agentd::db { class Conn; }

namespace agentd::agents {

struct SessionOwner {
  std::int64_t org_id = 0;
  std::int64_t user_id = 0;
};

struct Session {
  std::int64_t id = 0;
  std::string public_id, agent_id, title, created_at, last_update_time;
  std::int64_t message_count = 0;
  bool is_active = true;
  // The running summary of the turns up to message row summary_through (0: none yet).
  std::string summary;
  std::int64_t summary_through = 0;
};

struct StoredMessage {
  std::string message_id;
  models::ChatMessage message;
  std::string agent_id, created_at;
  std::optional<boost::json::object> usage;
  boost::json::array citations;
};

std::optional<Session> find_session(db::Conn& conn, const SessionOwner& owner, const std::string& public_id);
// Finds the session or creates it under this id (a client may name a new conversation).
Session open_session(db::Conn& conn, const SessionOwner& owner, const std::string& public_id, double now);
// A stored message as the model sees it, with its row id (the order within the session).
struct RowMessage {
  std::int64_t row_id = 0;
  models::ChatMessage message;
};
// The first `limit` messages: the context rule compares a resent history with them, and the
// leading system messages are the conversation's preamble.
std::vector<RowMessage> session_head(db::Conn& conn, const Session& session, std::int64_t limit);
// The messages after the summary, oldest first.
std::vector<RowMessage> session_tail(db::Conn& conn, const Session& session);
// Moves the summary forward (never back: a concurrent turn may have gone further).
void store_summary(db::Conn& conn, const Session& session, const std::string& summary, std::int64_t through);

struct NewTurn {
  models::ChatMessage message;
  std::string agent_id;
  std::optional<boost::json::object> usage;
  boost::json::array citations;
};
struct Appended {
  std::string last_public_id;
  std::vector<std::int64_t> row_ids;  // of every turn, in order
};
// Appends the turns in order and updates the session (last agent, title, count, time).
Appended append_turns(db::Conn& conn, Session& session, const std::vector<NewTurn>& turns, double now);

struct SessionPage {
  std::vector<Session> sessions;
  std::int64_t total = 0;
};
// Newest last_update_time first.
SessionPage list_sessions(db::Conn& conn, const SessionOwner& owner, int page, int page_size);

struct MessagePage {
  std::vector<StoredMessage> messages;
  std::int64_t total = 0;
};
// Oldest first.
MessagePage list_messages(db::Conn& conn, const Session& session, int page, int page_size);

// Completions running per session (io thread only): `status` is processing while any runs.
class SessionActivity {
 public:
  class Guard {
   public:
    Guard(SessionActivity& a, std::string key) : a_(&a), key_(std::move(key)) { ++a_->running_[key_]; }
    Guard(const Guard&) = delete;
    Guard& operator=(const Guard&) = delete;
    ~Guard() {
      if (--a_->running_[key_] == 0) a_->running_.erase(key_);
    }

   private:
    SessionActivity* a_;
    std::string key_;
  };
  static std::string key(const SessionOwner& owner, const std::string& public_id) {
    return std::to_string(owner.org_id) + ":" + std::to_string(owner.user_id) + ":" + public_id;
  }
  int running(const std::string& key) const {
    auto it = running_.find(key);
    return it == running_.end() ? 0 : it->second;
  }

 private:
  std::unordered_map<std::string, int> running_;  // "org:user:session"
};

}  // namespace agentd::agents
