// Reading conversations, whatever the dialect: a user's sessions, one session's messages, and
// whether a turn is running in it. Another owner's session is not found.
#pragma once

#include "agents/sessions.hpp"
#include "db/database.hpp"

#include <boost/asio/awaitable.hpp>

namespace agentd::agents {

class SessionService {
 public:
  SessionService(db::Database& db, const SessionActivity& activity) : db_(db), activity_(activity) {}

  boost::asio::awaitable<SessionPage> list(SessionOwner owner, int page, int page_size);
  struct Messages {
    Session session;
    MessagePage page;
  };
  // 404 session_not_found ("Session not found: ID").
  boost::asio::awaitable<Messages> messages(SessionOwner owner, std::string id, int page, int page_size);
  struct Status {
    std::optional<Session> session;  // unset: a new session before its first answer is stored
    int running = 0;                 // turns running in it
  };
  // 404 session_not_found when it is neither stored nor running.
  boost::asio::awaitable<Status> status(SessionOwner owner, std::string id);

 private:
  db::Database& db_;
  const SessionActivity& activity_;
};

}  // namespace agentd::agents
