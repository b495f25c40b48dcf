#include "api/error_map.hpp"

#include <gtest/gtest.h>

using namespace agentd;
using agentd::http::Dialect;

TEST(ErrorMap, ExternalNotFoundUsesTheDetailErrorShape) {
  auto res = api::render_error(Dialect::external,
                               not_found("upload_not_found", "Upload not found: 550e8400-e29b-41d4-a716-446655440000"));
  EXPECT_EQ(res.result_int(), 404);
  EXPECT_EQ(res.body(),
            R"({"detail":{"error":{"message":"Upload not found: 550e8400-e29b-41d4-a716-446655440000","type":"not_found","code":"upload_not_found"}}})");
}

TEST(ErrorMap, ExternalExtraFieldsFollowTheCode) {
  AppError e(ErrorKind::conflict, "datastore_exists", "DataStore with name 'Company Policies' already exists",
             {{"existing_datastore_id", "company-policies-a1b2c3d4"}});
  EXPECT_EQ(api::render_error(Dialect::external, e).body(),
            R"({"detail":{"error":{"message":"DataStore with name 'Company Policies' already exists","type":"conflict","code":"datastore_exists","existing_datastore_id":"company-policies-a1b2c3d4"}}})");
}

TEST(ErrorMap, AgentsDialectEnvelope) {
  AppError e = bad_request("Field is required", "name");
  auto res = api::render_error(Dialect::agents, e);
  EXPECT_EQ(res.result_int(), 400);
  EXPECT_EQ(res.body(),
            R"({"success":false,"error":{"code":"INVALID_REQUEST","message":"Field is required","details":{"field":"name","reason":"Field is required"}}})");
  AppError r(ErrorKind::rate_limited, "rate_limit_exceeded", "", {{"limit", 60}, {"window", "minute"}});
  r.retry_after = 30;
  auto rl = api::render_error(Dialect::agents, r);
  EXPECT_EQ(rl.result_int(), 429);
  EXPECT_EQ(rl[http::bhttp::field::retry_after], "30");
  EXPECT_EQ(rl.body(),
            R"({"success":false,"error":{"code":"RATE_LIMIT_EXCEEDED","message":"Rate limit exceeded. Try again in 30 seconds.","details":{"limit":60,"window":"minute","retryAfter":30}}})");
  EXPECT_EQ(api::render_error(Dialect::agents, AppError(ErrorKind::forbidden, "DELETE_PROTECTED", "Agent is protected")).body(),
            R"({"success":false,"error":{"code":"DELETE_PROTECTED","message":"Agent is protected","details":{}}})");
  EXPECT_EQ(api::render_error(Dialect::agents, not_found("agent_not_found", "Agent not found")).body(),
            R"({"success":false,"error":{"code":"AGENT_NOT_FOUND","message":"Agent not found","details":{}}})");
}

TEST(ErrorMap, WorkspaceDialectSpeaksLaravel) {
  auto v = api::render_error(Dialect::workspace, bad_request("The name field is required.", "name"));
  EXPECT_EQ(v.result_int(), 422);
  EXPECT_EQ(v.body(), R"({"message":"The name field is required.","errors":{"name":["The name field is required."]}})");
  auto u = api::render_error(Dialect::workspace, AppError(ErrorKind::missing_key, "x", "y"));
  EXPECT_EQ(u.result_int(), 401);
  EXPECT_EQ(u.body(), R"({"message":"Unauthenticated."})");
  EXPECT_EQ(api::render_error(Dialect::workspace, not_found("x", "y")).body(), R"({"message":"Not found."})");
  EXPECT_EQ(api::render_error(Dialect::workspace, AppError(ErrorKind::insufficient_scope, "x", "y")).body(),
            R"({"message":"This action is unauthorized."})");
  EXPECT_EQ(api::render_error(Dialect::workspace, AppError(ErrorKind::payment_required, "x", "y")).body(),
            R"({"message":"Insufficient credits."})");
  EXPECT_EQ(api::render_error(Dialect::workspace, internal_error()).body(), R"({"message":"Server Error."})");
}
