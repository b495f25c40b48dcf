// The real `agentd` binary: bootstrap, restart, the admin commands from a second process while
// the server runs, hostile input, graceful stop.
#include "harness.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <chrono>
#include <thread>

using namespace agentd::testing;

namespace {

std::string balance_of(unsigned short port, const std::string& key) {
  auto r = http_call(port, "GET", "/api/external/credits", {{"X-API-Key", key}});
  if (r.status != 200) return "status " + std::to_string(r.status);
  return std::string(boost::json::parse(r.body).as_object().at("balance").as_string());
}

}  // namespace

TEST(ServerProcess, BootstrapsOnceAndARestartKeepsEverything) {
  TempDir dir;
  const std::string data = (dir.path / "data").string();
  std::string key, acme_key;
  {
    ServerProcess server(data);
    key = server.bootstrap_key();
    ASSERT_EQ(key.rfind("agd_live_", 0), 0u) << key;
    ASSERT_EQ(key.size(), 41u);
    auto health = http_call(server.port(), "GET", "/health");
    EXPECT_EQ(health.status, 200);
    EXPECT_EQ(health.body, R"({"status":"ok","version":"0.1.0"})");
    EXPECT_EQ(balance_of(server.port(), key), "100.000000");

    ASSERT_EQ(run_agentd({"admin", "org", "create", "--slug", "acme", "--plan", "basic", "--credits", "2.5",
                          "--data-dir", data}).exit_code, 0);
    auto created = run_agentd({"admin", "key", "create", "--org", "acme", "--name", "ci", "--data-dir", data});
    ASSERT_EQ(created.exit_code, 0);
    acme_key = last_line(created.out);
    EXPECT_EQ(balance_of(server.port(), acme_key), "2.500000");
    ASSERT_EQ(run_agentd({"admin", "credits", "grant", "--org", "acme", "--amount", "0.5", "--data-dir", data}).exit_code, 0);
    EXPECT_EQ(balance_of(server.port(), acme_key), "3.000000");
    EXPECT_EQ(server.terminate(), 0);
  }
  ServerProcess again(data);
  EXPECT_EQ(again.bootstrap_key(), "");  // printed once, on the empty directory only
  EXPECT_EQ(balance_of(again.port(), key), "100.000000");
  EXPECT_EQ(balance_of(again.port(), acme_key), "3.000000");
  auto credits = boost::json::parse(http_call(again.port(), "GET", "/api/external/credits", {{"X-API-Key", acme_key}}).body);
  EXPECT_EQ(credits.as_object().at("total").as_int64(), 2);
  EXPECT_EQ(credits.as_object().at("plan").as_string(), "basic");
}

TEST(ServerProcess, AKeyRevokedByASecondProcessStopsWorkingWithinOneSecond) {
  TempDir dir;
  const std::string data = (dir.path / "data").string();
  ServerProcess server(data);
  ASSERT_EQ(run_agentd({"admin", "org", "create", "--slug", "ops", "--plan", "enterprise", "--credits", "1",
                        "--data-dir", data}).exit_code, 0);
  auto created = run_agentd({"admin", "key", "create", "--org", "ops", "--rpm", "100000", "--rph", "1000000",
                             "--data-dir", data});
  ASSERT_EQ(created.exit_code, 0);
  const std::string key = last_line(created.out);
  const std::string id = created.out.substr(4, created.out.find('\n') - 4);
  ASSERT_EQ(id.rfind("key_", 0), 0u) << created.out;
  ASSERT_EQ(http_call(server.port(), "GET", "/api/external/credits", {{"X-API-Key", key}}).status, 200);

  auto revoked = run_agentd({"admin", "key", "revoke", "--id", id, "--data-dir", data});
  ASSERT_EQ(revoked.exit_code, 0);
  EXPECT_EQ(revoked.out, "revoked " + id + "\n");
  const auto start = std::chrono::steady_clock::now();
  int status = 200;
  while (status != 401 && std::chrono::steady_clock::now() - start < std::chrono::seconds(3)) {
    status = http_call(server.port(), "GET", "/api/external/credits", {{"X-API-Key", key}}).status;
    if (status != 401) std::this_thread::sleep_for(std::chrono::milliseconds(10));  // poll interval
  }
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(status, 401);
  EXPECT_LT(elapsed, 1.0);
  // Revoking twice is an error that says so.
  auto twice = run_agentd({"admin", "key", "revoke", "--id", id, "--data-dir", data});
  EXPECT_EQ(twice.exit_code, 1);
  auto list = run_agentd({"admin", "key", "list", "--org", "ops", "--data-dir", data});
  EXPECT_NE(list.out.find(id + "\tdefault\tagd_live_"), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("\trevoked\t"), std::string::npos) << list.out;
}

TEST(ServerProcess, AdminCommandsFollowTheirContract) {
  TempDir dir;
  const std::string data = (dir.path / "data").string();
  auto org = run_agentd({"admin", "org", "create", "--slug", "acme", "--name", "Acme Inc", "--data-dir", data});
  EXPECT_EQ(org.exit_code, 0);
  EXPECT_EQ(org.out, "organization acme created: plan pro, balance 0.000000\n");
  EXPECT_EQ(run_agentd({"admin", "org", "create", "--slug", "acme", "--data-dir", data}).exit_code, 1);
  EXPECT_EQ(run_agentd({"admin", "org", "create", "--slug", "Bad Slug", "--data-dir", data}).exit_code, 1);
  EXPECT_EQ(run_agentd({"admin", "org", "create", "--slug", "x", "--plan", "gold", "--data-dir", data}).exit_code, 1);
  EXPECT_EQ(run_agentd({"admin", "org", "create", "--data-dir", data}).exit_code, 2);
  EXPECT_EQ(run_agentd({"admin", "org", "create", "--slug", "y", "--colour", "red", "--data-dir", data}).exit_code, 2);

  auto all = run_agentd({"admin", "key", "create", "--org", "acme", "--all-scopes", "--expires",
                         "2099-01-01T00:00:00Z", "--rpm", "10", "--data-dir", data});
  ASSERT_EQ(all.exit_code, 0);
  EXPECT_EQ(last_line(all.out).size(), 41u);
  EXPECT_NE(all.out.find("scopes: orchestrator:invoke,orchestrator:stream,"), std::string::npos);
  auto some = run_agentd({"admin", "key", "create", "--org", "acme", "--scopes", "rag:read,agents:list",
                          "--data-dir", data});
  EXPECT_NE(some.out.find("scopes: agents:list,rag:read\n"), std::string::npos) << some.out;
  EXPECT_EQ(run_agentd({"admin", "key", "create", "--org", "acme", "--scopes", "rag:fly", "--data-dir", data}).exit_code, 2);
  EXPECT_EQ(run_agentd({"admin", "key", "create", "--org", "nobody", "--data-dir", data}).exit_code, 1);
  EXPECT_EQ(run_agentd({"admin", "key", "create", "--org", "acme", "--expires", "tomorrow", "--data-dir", data}).exit_code, 2);

  auto list = run_agentd({"admin", "key", "list", "--org", "acme", "--data-dir", data});
  ASSERT_EQ(list.exit_code, 0);
  EXPECT_EQ(list.out.substr(0, list.out.find('\n')), "ID\tNAME\tPREFIX\tSTATUS\tSCOPES\tLAST_USED\tEXPIRES\tCREATED");
  EXPECT_NE(list.out.find("\t2099-01-01T00:00:00Z\t"), std::string::npos);
  EXPECT_EQ(std::count(list.out.begin(), list.out.end(), '\n'), 3);
  // The secret is never shown again.
  EXPECT_EQ(list.out.find(last_line(all.out)), std::string::npos);

  EXPECT_EQ(run_agentd({"admin", "credits", "grant", "--org", "acme", "--amount", "12.345678", "--data-dir", data}).out,
            "organization acme balance: 12.345678\n");
  EXPECT_EQ(run_agentd({"admin", "credits", "grant", "--org", "acme", "--amount", "-1", "--data-dir", data}).exit_code, 2);
  EXPECT_EQ(run_agentd({"admin", "fly", "--data-dir", data}).exit_code, 2);
}

TEST(ServerProcess, GarbageAndOversizedBodiesLeaveTheServerAnswering) {
  TempDir dir;
  ServerProcess server((dir.path / "data").string());
  const std::string garbage = raw_exchange(server.port(), std::string("\x00\xff\x13GARBAGE\r\n\r\n", 14));
  EXPECT_EQ(garbage.rfind("HTTP/1.1 400", 0), 0u) << garbage;
  EXPECT_EQ(raw_exchange(server.port(), "GET / HTTP/9.9\r\n\r\n").rfind("HTTP/1.1 400", 0), 0u);
  // 3 MB, declared and chunked, at a 1 MiB route.
  auto big = http_call(server.port(), "POST", "/api/external/credits",
                       {{"X-API-Key", server.bootstrap_key()}}, std::string(3'000'000, 'a'));
  EXPECT_EQ(big.status, 413);
  std::string chunked = "POST /api/external/credits HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 3; ++i) chunked += "F4240\r\n" + std::string(1'000'000, 'b') + "\r\n";
  chunked += "0\r\n\r\n";
  EXPECT_EQ(raw_exchange(server.port(), chunked).rfind("HTTP/1.1 413", 0), 0u);
  std::string huge_header = "GET /health HTTP/1.1\r\nHost: x\r\nX-Fill: " + std::string(20'000, 'h') + "\r\n\r\n";
  EXPECT_EQ(raw_exchange(server.port(), huge_header).rfind("HTTP/1.1 431", 0), 0u);
  EXPECT_EQ(http_call(server.port(), "GET", "/health").status, 200);
  EXPECT_EQ(balance_of(server.port(), server.bootstrap_key()), "100.000000");
}

TEST(ServerProcess, MetricsExposeRequestsConnectionsAndRejections) {
  TempDir dir;
  ServerProcess server((dir.path / "data").string());
  http_call(server.port(), "GET", "/health");
  http_call(server.port(), "GET", "/api/external/credits");
  auto m = http_call(server.port(), "GET", "/metrics");
  EXPECT_EQ(m.status, 200);
  EXPECT_EQ(m.header("Content-Type"), "text/plain; version=0.0.4");
  EXPECT_NE(m.body.find("agentd_http_requests_total{route=\"/health\",status=\"200\"} 1"), std::string::npos);
  EXPECT_NE(m.body.find("agentd_http_requests_total{route=\"/api/external/credits\",status=\"401\"} 1"), std::string::npos);
  EXPECT_NE(m.body.find("agentd_http_request_duration_seconds_count 2"), std::string::npos);
  EXPECT_NE(m.body.find("agentd_open_connections 1"), std::string::npos);
  EXPECT_NE(m.body.find("agentd_credits_spent_total 0.000000"), std::string::npos);
}

TEST(ServerProcess, UnknownRoutesAnswerInTheirDialectsShape) {
  TempDir dir;
  ServerProcess server((dir.path / "data").string());
  auto agents = http_call(server.port(), "GET", "/v1/nothing");
  EXPECT_EQ(agents.status, 404);
  EXPECT_EQ(agents.body, R"({"success":false,"error":{"code":"NOT_FOUND","message":"Not found: GET /v1/nothing","details":{}}})");
  auto workspace = http_call(server.port(), "GET", "/api/v1/nothing");
  EXPECT_EQ(workspace.status, 404);
  EXPECT_EQ(workspace.body, R"({"message":"Not found."})");
}
