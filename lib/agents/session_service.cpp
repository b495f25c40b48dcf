#include "agents/session_service.hpp"

#include "core/errors.hpp"

namespace agentd::agents {
namespace net = boost::asio;
namespace {

AppError session_not_found(const std::string& id) { return not_found("session_not_found", "Session not found: " + id); }

}  // namespace

net::awaitable<SessionPage> SessionService::list(SessionOwner owner, int page, int page_size) {
  auto work = db_.read([owner, page, page_size](db::Conn& c) { return list_sessions(c, owner, page, page_size); });
  co_return co_await std::move(work);
}

net::awaitable<SessionService::Messages> SessionService::messages(SessionOwner owner, std::string id, int page, int page_size) {
  auto work = db_.read([owner, id, page, page_size](db::Conn& c) {
    auto session = find_session(c, owner, id);
    if (!session) throw session_not_found(id);
    Messages out{*session, list_messages(c, *session, page, page_size)};
    return out;
  });
  co_return co_await std::move(work);
}

net::awaitable<SessionService::Status> SessionService::status(SessionOwner owner, std::string id) {
  auto work = db_.read([owner, id](db::Conn& c) { return find_session(c, owner, id); });
  Status out;
  out.session = co_await std::move(work);
  out.running = activity_.running(SessionActivity::key(owner, id));
  if (!out.session && out.running == 0) throw session_not_found(id);
  co_return out;
}

}  // namespace agentd::agents
