// The content routes as the seed's client calls them, for the content tests: create (202),
// the seed's wait_for_content poll loop, and a storage URL's target.
#pragma once

#include "harness.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <chrono>
#include <thread>

namespace agentd::testing {

inline const std::vector<std::string> kContentScopes = {"content:read", "content:retry", "content:create", "credits:read"};

struct ContentApi {
  unsigned short port;
  std::string key;
  HttpResult call(const std::string& method, const std::string& target, const std::string& body = "", Headers extra = {}) const {
    extra.emplace_back("X-API-Key", key);
    if (!body.empty()) extra.emplace_back("Content-Type", "application/json");
    return http_call(port, method, target, extra, body);
  }
  std::string create(const boost::json::object& body) const {
    auto r = call("POST", "/api/external/content", boost::json::serialize(body));
    EXPECT_EQ(r.status, 202) << r.body;
    EXPECT_EQ(text_of(body_json(r.body).at("status")), "pending");
    return r.status == 202 ? text_of(body_json(r.body).at("id")) : std::string();
  }
  // The seed's wait_for_content: poll the detail until completed or failed (with a deadline).
  boost::json::object wait_for_content(const std::string& id) const {
    // Generation runs at the lowest CPU priority: on a loaded machine (the suite runs two tests
    // at a time) it waits for what the other processes leave.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    boost::json::object data;
    while (std::chrono::steady_clock::now() < deadline) {
      data = body_json(call("GET", "/api/external/content/" + id).body);
      if (data.at("status") == "completed" || data.at("status") == "failed") return data;
      // Under the plan's 300 requests a minute, however long it takes.
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
    }
    ADD_FAILURE() << "content " << id << " did not finish: " << boost::json::serialize(data);
    return data;
  }
  std::string storage_target(const boost::json::object& item) const {
    const std::string url = text_of(item.at("storage_url"));
    return url.substr(url.find("/storage/"));
  }
};

}  // namespace agentd::testing
