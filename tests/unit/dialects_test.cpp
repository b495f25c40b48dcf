// Each dialect's error table renders the same domain errors in its own shape, byte for byte,
// and paths go to the dialect that owns them.
#include "api/agents_v1/dialect.hpp"
#include "api/common/dispatcher.hpp"
#include "api/external/dialect.hpp"
#include "api/workspace/dialect.hpp"

#include <gtest/gtest.h>

using namespace agentd;

namespace {
const api::Dialect& external() {
  static const api::Dialect d = api::external::descriptor();
  return d;
}
const api::Dialect& agents_v1() {
  static const api::Dialect d = api::agents_v1::descriptor();
  return d;
}
const api::Dialect& workspace_dialect() {
  static const api::Dialect d = api::workspace::descriptor();
  return d;
}
}  // namespace

TEST(Dialects, ExternalNotFoundUsesTheDetailErrorShape) {
  auto res = api::render_error(external(), not_found("upload_not_found", "Upload not found: 550e8400-e29b-41d4-a716-446655440000"));
  EXPECT_EQ(res.result_int(), 404);
  EXPECT_EQ(res.body(),
            R"({"detail":{"error":{"message":"Upload not found: 550e8400-e29b-41d4-a716-446655440000","type":"not_found","code":"upload_not_found"}}})");
}

TEST(Dialects, ExternalExtraFieldsFollowTheCode) {
  AppError e(ErrorKind::conflict, "datastore_exists", "DataStore with name 'Company Policies' already exists",
             {{"existing_datastore_id", "company-policies-a1b2c3d4"}});
  EXPECT_EQ(api::render_error(external(), e).body(),
            R"({"detail":{"error":{"message":"DataStore with name 'Company Policies' already exists","type":"conflict","code":"datastore_exists","existing_datastore_id":"company-policies-a1b2c3d4"}}})");
}

TEST(Dialects, MissingKeysAskForTheDialectsScheme) {
  const AppError missing(ErrorKind::missing_key, "api_key_required", "API key required");
  EXPECT_EQ(api::render_error(external(), missing)[http::bhttp::field::www_authenticate], "ApiKey");
  EXPECT_EQ(api::render_error(agents_v1(), missing)[http::bhttp::field::www_authenticate], "Bearer");
  EXPECT_FALSE(api::render_error(workspace_dialect(), missing).count(http::bhttp::field::www_authenticate));
}

TEST(Dialects, AgentsEnvelope) {
  AppError e = bad_request("Field is required", "name");
  auto res = api::render_error(agents_v1(), e);
  EXPECT_EQ(res.result_int(), 400);
  EXPECT_EQ(res.body(),
            R"({"success":false,"error":{"code":"INVALID_REQUEST","message":"Field is required","details":{"field":"name","reason":"Field is required"}}})");
  AppError r(ErrorKind::rate_limited, "rate_limit_exceeded", "", {{"limit", 60}, {"window", "minute"}});
  r.retry_after = 30;
  auto rl = api::render_error(agents_v1(), r);
  EXPECT_EQ(rl.result_int(), 429);
  EXPECT_EQ(rl[http::bhttp::field::retry_after], "30");
  EXPECT_EQ(rl.body(),
            R"({"success":false,"error":{"code":"RATE_LIMIT_EXCEEDED","message":"Rate limit exceeded. Try again in 30 seconds.","details":{"limit":60,"window":"minute","retryAfter":30}}})");
  EXPECT_EQ(api::render_error(agents_v1(), AppError(ErrorKind::forbidden, "delete_protected", "Agent is protected")).body(),
            R"({"success":false,"error":{"code":"DELETE_PROTECTED","message":"Agent is protected","details":{}}})");
  EXPECT_EQ(api::render_error(agents_v1(), not_found("agent_not_found", "Agent not found")).body(),
            R"({"success":false,"error":{"code":"AGENT_NOT_FOUND","message":"Agent not found","details":{}}})");
}

TEST(Dialects, OneDomainErrorTwoAnswers) {
  const AppError inactive(ErrorKind::conflict, "agent_inactive", "Agent is not active: a");
  auto ext = api::render_error(external(), inactive);
  EXPECT_EQ(ext.result_int(), 409);
  EXPECT_EQ(ext.body(), R"({"detail":{"error":{"message":"Agent is not active: a","type":"conflict","code":"agent_inactive"}}})");
  auto ag = api::render_error(agents_v1(), inactive);
  EXPECT_EQ(ag.result_int(), 503);
  EXPECT_EQ(ag.body(), R"({"success":false,"error":{"code":"AGENT_UNAVAILABLE","message":"Agent is not active: a","details":{}}})");

  const AppError required = invalid_field("name", "required", {}, "name is required");
  EXPECT_EQ(api::render_error(external(), required).body(),
            R"({"detail":{"error":{"message":"name is required","type":"validation_error","code":"invalid_request"}}})");
  EXPECT_EQ(api::render_error(agents_v1(), required).body(),
            R"({"success":false,"error":{"code":"INVALID_REQUEST","message":"name is required","details":{"field":"name","reason":"Field is required"}}})");
  auto ws = api::render_error(workspace_dialect(), required);
  EXPECT_EQ(ws.result_int(), 422);
  // Laravel's own words for the rule, whatever the message of the other dialects.
  EXPECT_EQ(ws.body(), R"({"message":"The name field is required.","errors":{"name":["The name field is required."]}})");

  const AppError upstream(ErrorKind::bad_gateway, "model_error", "Model provider 'openai' failed: 500");
  EXPECT_EQ(api::render_error(agents_v1(), upstream).result_int(), 502);
  EXPECT_EQ(api::render_error(agents_v1(), AppError(ErrorKind::payment_required, "insufficient_credits", "no")).body(),
            R"({"success":false,"error":{"code":"INSUFFICIENT_QUOTA","message":"no","details":{}}})");
}

TEST(Dialects, AgentsReasonsComeFromTheRule) {
  const AppError in = invalid_field("modelProvider", "in", {}, "modelProvider must be one of builtin, openai");
  EXPECT_EQ(api::render_error(agents_v1(), in).body(),
            R"({"success":false,"error":{"code":"INVALID_REQUEST","message":"modelProvider must be one of builtin, openai","details":{"field":"modelProvider","reason":"Must be one of builtin, openai"}}})");
}

TEST(Dialects, WorkspaceSpeaksLaravel) {
  auto v = api::render_error(workspace_dialect(), bad_request("The name field is required.", "name"));
  EXPECT_EQ(v.result_int(), 422);
  EXPECT_EQ(v.body(), R"({"message":"The name field is required.","errors":{"name":["The name field is required."]}})");
  auto u = api::render_error(workspace_dialect(), AppError(ErrorKind::missing_key, "x", "y"));
  EXPECT_EQ(u.result_int(), 401);
  EXPECT_EQ(u.body(), R"({"message":"Unauthenticated."})");
  EXPECT_EQ(api::render_error(workspace_dialect(), not_found("x", "y")).body(), R"({"message":"Not found."})");
  EXPECT_EQ(api::render_error(workspace_dialect(), AppError(ErrorKind::insufficient_scope, "x", "y")).body(),
            R"({"message":"This action is unauthorized."})");
  EXPECT_EQ(api::render_error(workspace_dialect(), AppError(ErrorKind::payment_required, "x", "y")).body(),
            R"({"message":"Insufficient credits."})");
  EXPECT_EQ(api::render_error(workspace_dialect(), internal_error()).body(), R"({"message":"Server Error."})");
}

TEST(Dialects, UnmatchedPathsBelongToTheLongestPrefix) {
  api::DialectTable table;
  table.add(api::external::descriptor());
  table.add(api::workspace::descriptor());
  table.add(api::agents_v1::descriptor());
  EXPECT_EQ(table.owner("/api/external/x").name, "external");
  EXPECT_EQ(table.owner("/api/v1/contacts").name, "workspace");
  EXPECT_EQ(table.owner("/v1/agents/x/y").name, "agents_v1");
  EXPECT_EQ(table.owner("/v1/chat/completions").name, "external");
  EXPECT_EQ(table.owner("/v1/models").name, "external");
  EXPECT_EQ(table.owner("/nothing").name, "external");
  EXPECT_EQ(table.owner("").name, "external");
}
