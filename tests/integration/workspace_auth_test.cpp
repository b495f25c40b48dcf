// The Workspace API's authentication (API.md 1.1): Bearer plus a team named by X-Team-Slug,
// X-Team or ?team=, answered in Laravel's shapes.
#include "harness.hpp"

#include "access/accounts.hpp"
#include "access/keys.hpp"

#include <gtest/gtest.h>

using namespace agentd;
using namespace agentd::testing;

namespace {

std::function<void(App&)> whoami_route() {
  return [](App& app) {
    app.dispatcher.add({.method = http::bhttp::verb::get, .pattern = "/api/v1/test/whoami",
                        .dialect = &app.dispatcher.dialects().owner("/api/v1"), .scope = "workspace:read",
                        .handler = [](api::RequestContext& ctx) -> boost::asio::awaitable<http::Response> {
                          co_return http::json_response(200, {{"data", {{"team", ctx.principal->org.slug}}}});
                        }});
  };
}

// A user token: no organization of its own, a member of `default` and of `second`.
std::string user_token(InProcessServer& server) {
  return server.app().store.write([](db::Conn& c) {
    auto def = access::find_org(c, "default");
    auto second = access::create_org(c, "second", "Second", "pro", 0);
    access::KeySpec spec;
    spec.scopes = {"workspace:read"};
    auto key = access::create_key(c, *def, spec);
    c.exec("UPDATE api_keys SET org_id = NULL WHERE id = '" + key.id + "'");
    c.exec("INSERT INTO memberships(org_id, user_id) VALUES (" + std::to_string(second.id) + ", " +
           std::to_string(def->owner_user_id) + ")");
    return key.secret;
  });
}

}  // namespace

TEST(WorkspaceAuth, OrganizationKeysActInTheirTeam) {
  InProcessServer server({}, nullptr, whoami_route());
  const std::string bearer = "Bearer " + server.bootstrap_key();
  auto plain = http_call(server.port(), "GET", "/api/v1/test/whoami", {{"Authorization", bearer}});
  EXPECT_EQ(plain.status, 200);
  EXPECT_EQ(plain.body, R"({"data":{"team":"default"}})");
  EXPECT_EQ(plain.header("X-RateLimit-Limit"), "300");
  auto named = http_call(server.port(), "GET", "/api/v1/test/whoami", {{"Authorization", bearer}, {"X-Team-Slug", "default"}});
  EXPECT_EQ(named.status, 200);
  auto other = http_call(server.port(), "GET", "/api/v1/test/whoami", {{"Authorization", bearer}, {"X-Team-Slug", "elsewhere"}});
  EXPECT_EQ(other.status, 403);
  EXPECT_EQ(other.body, R"({"message":"This action is unauthorized."})");
}

TEST(WorkspaceAuth, UserTokensPickTheTeamPerRequest) {
  InProcessServer server({}, nullptr, whoami_route());
  const std::string bearer = "Bearer " + user_token(server);
  auto by_header = http_call(server.port(), "GET", "/api/v1/test/whoami", {{"Authorization", bearer}, {"X-Team-Slug", "second"}});
  EXPECT_EQ(by_header.body, R"({"data":{"team":"second"}})");
  auto by_x_team = http_call(server.port(), "GET", "/api/v1/test/whoami", {{"Authorization", bearer}, {"X-Team", "default"}});
  EXPECT_EQ(by_x_team.body, R"({"data":{"team":"default"}})");
  auto by_query = http_call(server.port(), "GET", "/api/v1/test/whoami?team=second", {{"Authorization", bearer}});
  EXPECT_EQ(by_query.body, R"({"data":{"team":"second"}})");
  // Two memberships and no team named: the request cannot be placed.
  auto none = http_call(server.port(), "GET", "/api/v1/test/whoami", {{"Authorization", bearer}});
  EXPECT_EQ(none.status, 403);
  auto stranger = http_call(server.port(), "GET", "/api/v1/test/whoami", {{"Authorization", bearer}, {"X-Team-Slug", "nope"}});
  EXPECT_EQ(stranger.status, 403);
}

TEST(WorkspaceAuth, MissingOrBadTokensAreUnauthenticated) {
  InProcessServer server({}, nullptr, whoami_route());
  auto none = http_call(server.port(), "GET", "/api/v1/test/whoami");
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(none.body, R"({"message":"Unauthenticated."})");
  EXPECT_FALSE(none.has_header("WWW-Authenticate"));
  auto bad = http_call(server.port(), "GET", "/api/v1/test/whoami", {{"Authorization", "Bearer agd_live_nope"}});
  EXPECT_EQ(bad.status, 401);
  EXPECT_EQ(bad.body, R"({"message":"Unauthenticated."})");
  const std::string limited = server.make_key("acme", "pro", "0", {"agents:list"});
  auto scope = http_call(server.port(), "GET", "/api/v1/test/whoami", {{"Authorization", "Bearer " + limited}});
  EXPECT_EQ(scope.status, 403);
  EXPECT_EQ(scope.body, R"({"message":"This action is unauthorized."})");
}
