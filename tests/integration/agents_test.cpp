// External API agent management (API.md 3.2) and what it means for datastores (seed 001's 409).
#include "harness.hpp"

#include "access/keys.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

using namespace agentd;
using namespace agentd::testing;
namespace json = boost::json;

namespace {

class Agents : public ::testing::Test {
 protected:
  InProcessServer server;
  std::string key = server.make_key("acme", "pro", "10", {"agents:list", "agents:write", "rag:upload", "rag:read", "rag:delete"});

  HttpResult call(const std::string& method, const std::string& target, const std::string& body = "", const std::string& as = "") {
    return http_call(server.port(), method, "/api/external" + target, {{"X-API-Key", as.empty() ? key : as}}, body);
  }
  json::object create(const json::object& fields, int expect = 200) {
    auto r = call("POST", "/agents", json::serialize(fields));
    EXPECT_EQ(r.status, expect) << r.body;
    return r.status == 200 ? json::parse(r.body).as_object() : json::object{};
  }
  std::string datastore(const std::string& name) {
    auto r = call("POST", "/rag/datastores", json::serialize(json::object{{"display_name", name}}));
    return std::string(json::parse(r.body).at("datastore_id").as_string());
  }
};

}  // namespace

TEST_F(Agents, CreateListUpdateAndDelete) {
  const std::string ds = datastore("Brand Book");
  auto a = create({{"name", "Brand Analyzer"}, {"description", "Checks copy against the brand book"},
                   {"instruction", "Be strict."}, {"tools", json::array{"rag_search"}}, {"datastore_ids", json::array{ds}},
                   {"temperature", 0.2}, {"max_output_tokens", 500}});
  const std::string id(a.at("agent_id").as_string());
  EXPECT_EQ(id.rfind("agent_", 0), 0u);
  EXPECT_EQ(id.size(), 18u);
  EXPECT_EQ(a.at("slug").as_string(), "brand-analyzer");
  EXPECT_EQ(a.at("uuid").as_string().size(), 36u);
  EXPECT_EQ(a.at("agent_type").as_string(), "LLM_AGENT");
  EXPECT_EQ(a.at("model").as_string(), "builtin");
  EXPECT_EQ(a.at("max_llm_calls").as_int64(), 5);
  EXPECT_EQ(a.at("datastore_ids").as_array()[0].as_string(), ds);
  EXPECT_TRUE(a.at("is_active").as_bool());
  auto writer = create({{"name", "Content Writer"}, {"is_active", false}});
  auto pipeline = create({{"name", "Review Pipeline"}, {"agent_type", "SEQUENTIAL_AGENT"},
                          {"sub_agents", json::array{"content-writer", id}}});
  EXPECT_EQ(pipeline.at("sub_agents").as_array()[0].as_string(), writer.at("agent_id").as_string());

  auto list = json::parse(call("GET", "/agents").body).as_object();
  EXPECT_EQ(list.at("total").as_int64(), 3);
  auto first = list.at("agents").as_array()[0].as_object();
  for (const char* field : {"agent_id", "name", "description", "agent_type", "model", "is_active", "datastore_ids",
                            "sub_agents", "created_at", "updated_at"})
    EXPECT_TRUE(first.contains(field)) << field;
  EXPECT_EQ(first.size(), 10u);
  EXPECT_EQ(json::parse(call("GET", "/agents?agent_type=SEQUENTIAL_AGENT").body).at("total").as_int64(), 1);
  EXPECT_EQ(json::parse(call("GET", "/agents?is_active=false").body).at("total").as_int64(), 1);
  EXPECT_EQ(call("GET", "/agents?agent_type=ROBOT").status, 400);
  EXPECT_EQ(call("GET", "/agents?is_active=maybe").status, 400);

  // Any of id, uuid and slug addresses the agent.
  auto renamed = call("PATCH", "/agents/brand-analyzer", R"({"name":"Brand Guardian","temperature":null})");
  ASSERT_EQ(renamed.status, 200) << renamed.body;
  auto r = json::parse(renamed.body).as_object();
  EXPECT_EQ(r.at("slug").as_string(), "brand-guardian");
  EXPECT_TRUE(r.at("temperature").is_null());
  EXPECT_EQ(call("PATCH", "/agents/" + std::string(r.at("uuid").as_string()), R"({"is_active":false})").status, 200);

  auto gone = call("DELETE", "/agents/" + id);
  EXPECT_EQ(gone.status, 200);
  EXPECT_EQ(gone.body, R"({"success":true,"agent_id":")" + id + R"(","message":"Agent 'Brand Guardian' deleted successfully"})");
  auto missing = call("PATCH", "/agents/" + id, R"({"name":"x"})");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.body, R"({"detail":{"error":{"message":"Agent not found: )" + id +
                              R"(","type":"not_found","code":"agent_not_found"}}})");
  // The pipeline lost the deleted sub-agent.
  auto after = json::parse(call("GET", "/agents?agent_type=SEQUENTIAL_AGENT").body).as_object();
  EXPECT_EQ(after.at("agents").as_array()[0].at("sub_agents").as_array().size(), 1u);
}

TEST_F(Agents, InvalidAgentsAreRefusedNamingTheField) {
  auto expect_400 = [&](const std::string& body, const std::string& message) {
    auto r = call("POST", "/agents", body);
    EXPECT_EQ(r.status, 400) << body;
    EXPECT_NE(r.body.find(message), std::string::npos) << r.body;
  };
  expect_400(R"({"description":"no name"})", "name is required");
  expect_400(R"({"name":"x","agent_type":"ROBOT"})", "agent_type must be one of");
  expect_400(R"({"name":"x","tools":["fly"]})", "Unknown tool 'fly'");
  expect_400(R"({"name":"x","datastore_ids":["nope-12345678"]})", "DataStore not found: nope-12345678");
  expect_400(R"({"name":"x","agent_type":"LOOP_AGENT"})", "LOOP_AGENT needs at least one sub-agent");
  expect_400(R"({"name":"x","model":"gpt"})", "model must be");
  expect_400(R"({"name":"x","temperature":"hot"})", "temperature must be a number");
  expect_400(R"({"name":"x","colour":"red"})", "Unknown field 'colour'");
  expect_400("[1,2]", "Request body must be a JSON object");
  EXPECT_EQ(json::parse(call("GET", "/agents").body).at("total").as_int64(), 0);
}

TEST_F(Agents, ProtectedAgentsCannotBeDeleted) {
  auto a = create({{"name", "Keeper"}, {"protected", true}});
  auto r = call("DELETE", "/agents/keeper");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.body, R"({"detail":{"error":{"message":"Agent 'Keeper' is protected and cannot be deleted","type":"forbidden","code":"delete_protected"}}})");
  EXPECT_EQ(call("PATCH", "/agents/keeper", R"({"protected":false})").status, 200);
  EXPECT_EQ(call("DELETE", "/agents/keeper").status, 200);
}

TEST_F(Agents, ADatastoreInUseNeedsForceAndForceDetachesIt) {
  const std::string ds = datastore("Company Policies");
  create({{"name", "Brand Analyzer"}, {"datastore_ids", json::array{ds}}});
  create({{"name", "Content Writer"}, {"datastore_ids", json::array{ds}}});
  auto detail = json::parse(call("GET", "/rag/datastores/" + ds).body).as_object();
  EXPECT_EQ(json::serialize(detail.at("connected_agents")), R"(["brand-analyzer","content-writer"])");
  auto r = call("DELETE", "/rag/datastores/" + ds);
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.body, R"({"detail":{"error":{"message":"DataStore is connected to agents. Use force=true to delete anyway.","type":"conflict","code":"datastore_in_use","connected_agents":["brand-analyzer","content-writer"]}}})");
  EXPECT_EQ(call("GET", "/rag/datastores/" + ds).status, 200);
  EXPECT_EQ(call("DELETE", "/rag/datastores/" + ds + "?force=true").status, 200);
  auto agents = json::parse(call("GET", "/agents").body).as_object();
  ASSERT_EQ(agents.at("agents").as_array().size(), 2u);
  for (const auto& a : agents.at("agents").as_array()) EXPECT_TRUE(a.at("datastore_ids").as_array().empty());
}

TEST_F(Agents, ScopesAndOrganizationsAreRespected) {
  create({{"name", "Mine"}});
  const std::string reader = server.make_key("acme", "pro", "10", access::default_scopes());
  EXPECT_EQ(call("GET", "/agents", "", reader).status, 200);
  auto denied = call("POST", "/agents", R"({"name":"x"})", reader);
  EXPECT_EQ(denied.status, 403);
  EXPECT_NE(denied.body.find(R"("missing_scopes":["agents:write"])"), std::string::npos);
  const std::string stranger = server.make_key("rival", "pro", "10", {"agents:list", "agents:write"});
  EXPECT_EQ(json::parse(call("GET", "/agents", "", stranger).body).at("total").as_int64(), 0);
  EXPECT_EQ(call("PATCH", "/agents/mine", R"({"name":"stolen"})", stranger).status, 404);
  EXPECT_EQ(call("DELETE", "/agents/mine", "", stranger).status, 404);
  // Another organization's datastore cannot be attached.
  const std::string theirs = datastore("Theirs");
  auto r = call("POST", "/agents", json::serialize(json::object{{"name", "Thief"}, {"datastore_ids", json::array{theirs}}}), stranger);
  EXPECT_EQ(r.status, 400);
}

TEST_F(Agents, ModelsListTheOrchestratorAndActiveAgents) {
  create({{"name", "Support Bot"}});
  create({{"name", "Sleeper"}, {"is_active", false}});
  for (const char* path : {"/v1/models", "/api/external/v1/models"}) {
    auto r = http_call(server.port(), "GET", path, {{"Authorization", "Bearer " + key}});
    ASSERT_EQ(r.status, 200) << path;
    auto o = json::parse(r.body).as_object();
    EXPECT_EQ(o.at("object").as_string(), "list");
    auto& data = o.at("data").as_array();
    ASSERT_EQ(data.size(), 2u) << r.body;
    EXPECT_EQ(data[0].at("id").as_string(), "orchestrator");
    EXPECT_EQ(data[1].at("id").as_string(), "support-bot");
    EXPECT_EQ(data[1].at("object").as_string(), "model");
    EXPECT_EQ(data[1].at("owned_by").as_string(), "acme");
    EXPECT_GT(data[1].at("created").as_int64(), 1'700'000'000);
  }
  EXPECT_EQ(http_call(server.port(), "GET", "/v1/models").status, 401);
}
