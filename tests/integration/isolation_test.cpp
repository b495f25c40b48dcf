// No organization ever sees another's data: every External API route that takes an id answers
// another organization's object exactly as one that does not exist, by every id form (an
// agent's id, uuid and slug), and leaves the object untouched.
#include "harness.hpp"

#include "knowledge/base64.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <thread>

using namespace agentd;
using namespace agentd::testing;
namespace json = boost::json;

namespace {

const std::vector<std::string> kScopes = {"orchestrator:invoke", "agents:list", "agents:invoke", "agents:write",
                                          "sessions:read", "sessions:messages", "rag:upload", "rag:read", "rag:delete"};

json::object parse(const std::string& body) { return json::parse(body).as_object(); }

class Isolation : public ::testing::Test {
 protected:
  InProcessServer server;
  std::string mine = server.make_key("mine", "pro", "10", kScopes);
  std::string theirs = server.make_key("theirs", "pro", "10", kScopes);

  HttpResult call(const std::string& method, const std::string& target, const std::string& body, const std::string& key) {
    return http_call(server.port(), method, "/api/external" + target, {{"X-API-Key", key}}, body);
  }
  // `target` with `ref`, as another organization, answers what it answers for an id of the same
  // form that nobody has (`ref` + "zz"), with the id in the message replaced back.
  void expect_not_found_alike(const std::string& method, const std::string& target_with_ref, const std::string& ref,
                              const std::string& body = "") {
    const std::string other_target = replace(target_with_ref, ref, ref + "zz");
    const auto probe = call(method, target_with_ref, replace(body, "{ref}", ref), mine);
    const auto none = call(method, other_target, replace(body, "{ref}", ref + "zz"), mine);
    EXPECT_EQ(probe.status, none.status) << method << " " << target_with_ref;
    EXPECT_EQ(probe.body, replace(none.body, ref + "zz", ref)) << method << " " << target_with_ref;
    EXPECT_TRUE(probe.status == 404 || probe.status == 200) << method << " " << target_with_ref << ": " << probe.body;
  }
  static std::string replace(std::string s, const std::string& from, const std::string& to) {
    for (auto p = s.find(from); !from.empty() && p != std::string::npos; p = s.find(from, p + to.size())) s.replace(p, from.size(), to);
    return s;
  }
};

}  // namespace

TEST_F(Isolation, AnotherOrganizationsAgentsByIdUuidAndSlug) {
  auto made = parse(call("POST", "/agents", R"({"name":"Private Helper","description":"secret things"})", theirs).body);
  const std::string id(made.at("agent_id").as_string()), uuid(made.at("uuid").as_string()), slug(made.at("slug").as_string());
  for (const std::string& ref : {id, uuid, slug}) {
    expect_not_found_alike("PATCH", "/agents/" + ref, ref, R"({"name":"Mine now"})");
    expect_not_found_alike("DELETE", "/agents/" + ref, ref);
    expect_not_found_alike("POST", "/agents/" + ref + "/completions", ref, R"({"messages":[{"role":"user","content":"hi"}]})");
    // Named as a model, it is no agent of mine: the orchestrator answers, as for any other name.
    auto routed = parse(call("POST", "/v1/chat/completions", R"({"model":")" + ref + R"(","messages":[{"role":"user","content":"secret things"}]})", mine).body);
    EXPECT_EQ(routed.at("agent").at("id"), "orchestrator") << ref;
  }
  auto list = parse(call("GET", "/agents", "", mine).body);
  EXPECT_EQ(list.at("total").as_int64(), 0);
  auto still = parse(call("GET", "/agents", "", theirs).body);
  ASSERT_EQ(still.at("total").as_int64(), 1);
  EXPECT_EQ(still.at("agents").at(0).at("name"), "Private Helper");
}

TEST_F(Isolation, AnotherOrganizationsDatastoresUploadsAndSessions) {
  const std::string ds(parse(call("POST", "/rag/datastores", R"({"display_name":"Payroll"})", theirs).body).at("datastore_id").as_string());
  const std::string upload_body = json::serialize(json::object{
      {"datastore_id", ds}, {"files", json::array{{{"filename", "salaries.txt"}, {"content", knowledge::encode_base64("Alice earns 1000.")}}}}});
  auto up = parse(call("POST", "/rag/upload", upload_body, theirs).body);
  const std::string upload_id(up.at("uploads").at(0).at("upload_id").as_string());
  auto chat = parse(call("POST", "/v1/chat/completions", R"({"messages":[{"role":"user","content":"hello"}]})", theirs).body);
  const std::string session(chat.at("session_id").as_string());

  expect_not_found_alike("GET", "/rag/datastores/" + ds, ds);
  expect_not_found_alike("GET", "/rag/datastores/" + ds + "/files", ds);
  expect_not_found_alike("POST", "/rag/datastores/" + ds + "/search", ds, R"({"query":"salary"})");
  expect_not_found_alike("DELETE", "/rag/datastores/" + ds + "/files/salaries.txt", ds);
  expect_not_found_alike("DELETE", "/rag/datastores/" + ds + "?force=true", ds);
  expect_not_found_alike("POST", "/rag/upload", ds, R"({"datastore_id":"{ref}","files":[{"filename":"x.txt","content":"eA=="}]})");
  expect_not_found_alike("GET", "/rag/uploads/" + upload_id, upload_id);
  expect_not_found_alike("GET", "/rag/uploads?datastore_id=" + ds, ds);
  expect_not_found_alike("GET", "/sessions/" + session + "/messages", session);
  expect_not_found_alike("GET", "/sessions/" + session + "/status", session);
  // The same session id used by me is a session of my own, not theirs.
  auto my_chat = parse(call("POST", "/v1/chat/completions", R"({"session_id":")" + session + R"(","messages":[{"role":"user","content":"hi"}]})", mine).body);
  EXPECT_EQ(parse(call("GET", "/sessions/" + session + "/messages", "", mine).body).at("total").as_int64(), 2);
  EXPECT_EQ(parse(call("GET", "/sessions/" + session + "/messages", "", theirs).body).at("total").as_int64(), 2);
  EXPECT_EQ(parse(call("GET", "/sessions/" + session + "/messages", "", theirs).body).at("messages").at(0).at("content"), "hello");
  (void)my_chat;

  // Theirs is untouched.
  auto detail = parse(call("GET", "/rag/datastores/" + ds, "", theirs).body);
  EXPECT_EQ(detail.at("display_name"), "Payroll");
  EXPECT_EQ(call("GET", "/rag/uploads/" + upload_id, "", theirs).status, 200);
}
