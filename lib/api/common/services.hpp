// What the dialect adapters call: the domain services, built by the App (lib/server).
#pragma once

#include "agents/agent_service.hpp"
#include "agents/chat_turn.hpp"
#include "agents/session_service.hpp"
#include "content/content_service.hpp"
#include "core/clock.hpp"
#include "core/config.hpp"
#include "db/database.hpp"
#include "http/metrics.hpp"
#include "knowledge/knowledge_service.hpp"
#include "workspace/workspace_service.hpp"

namespace agentd::api {

class Dispatcher;

struct Services {
  const Config& config;
  const Clock& clock;
  db::Database& db;
  boost::asio::thread_pool& cpu_pool;  // parsing large bodies
  http::Metrics& metrics;
  agents::AgentService& agents;
  agents::ChatTurns& chat;
  agents::SessionService& sessions;
  knowledge::KnowledgeService& knowledge;
  workspace::WorkspaceService& workspace;
  content::ContentService& content;
  const content::Storage& storage;
  const models::Providers& providers;
};

}  // namespace agentd::api
