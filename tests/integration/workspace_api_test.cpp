// The Workspace API at /api/v1 (API.md 5, seed 002) over real HTTP: the seed's curl flows,
// Laravel's bodies byte for byte, paging links and meta, validation bounds at and past their
// edges, contacts, items, goals, tokens and agents, isolation across teams, idempotent replay.
#include "harness.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

using namespace agentd;
using namespace agentd::testing;
namespace json = boost::json;

namespace {

json::object data_of(const HttpResult& r) { return body_json(r.body).at("data").as_object(); }

class WorkspaceApi : public ::testing::Test {
 protected:
  InProcessServer server;
  std::string key = server.bootstrap_key();

  HttpResult call(const std::string& method, const std::string& target, const std::string& body = "",
                  const std::string& as = "", Headers extra = {}) {
    extra.emplace_back("Authorization", "Bearer " + (as.empty() ? key : as));
    if (!body.empty()) extra.emplace_back("Content-Type", "application/json");
    return http_call(server.port(), method, target, extra, body);
  }
  json::object created(const std::string& target, const json::object& body, const std::string& as = "") {
    auto r = call("POST", target, json::serialize(body), as);
    EXPECT_EQ(r.status, 201) << target << " " << r.body;
    return r.status == 201 ? data_of(r) : json::object{};
  }
  std::string agent_uuid(const std::string& name = "Helper") {
    return text_of(created("/api/v1/agents", {{"name", name}}).at("uuid"));
  }
};

}  // namespace

// Seed 002: create a token with a session token, list, revoke; list agents with X-Team-Slug;
// create Jane Doe.
TEST_F(WorkspaceApi, TheSeedsCurlFlowsWork) {
  auto made = call("POST", "/api/v1/tokens", R"({"name": "My Integration"})");
  ASSERT_EQ(made.status, 201) << made.body;
  const auto token = data_of(made);
  EXPECT_EQ(text_of(token.at("name")), "My Integration");
  const std::string plain = text_of(token.at("plainText"));
  EXPECT_EQ(plain.rfind("agd_live_", 0), 0u);
  EXPECT_TRUE(token.contains("createdAt"));

  auto listed = call("GET", "/api/v1/tokens");
  ASSERT_EQ(listed.status, 200);
  bool seen = false;
  const auto listing = body_json(listed.body);
  for (const auto& t : listing.at("data").as_array()) {
    EXPECT_FALSE(t.as_object().contains("plainText"));  // shown only when created
    EXPECT_TRUE(t.as_object().contains("lastUsedAt"));
    seen = seen || t.at("id") == token.at("id");
  }
  EXPECT_TRUE(seen);

  // The new token works with the team header, as the Quick Start uses it.
  auto agents = call("GET", "/api/v1/agents", "", plain, {{"X-Team-Slug", "default"}});
  EXPECT_EQ(agents.status, 200) << agents.body;
  EXPECT_TRUE(body_json(agents.body).contains("links"));
  auto jane = call("POST", "/api/v1/contacts", R"({"name": "Jane Doe", "email": "jane@example.com"})", plain,
                   {{"X-Team-Slug", "default"}});
  ASSERT_EQ(jane.status, 201) << jane.body;
  EXPECT_EQ(text_of(data_of(jane).at("name")), "Jane Doe");
  EXPECT_EQ(text_of(data_of(jane).at("email")), "jane@example.com");

  auto revoked = call("DELETE", "/api/v1/tokens/" + text_of(token.at("id")));
  EXPECT_EQ(revoked.status, 204);
  EXPECT_TRUE(revoked.body.empty());
  // Stops working within a second (the key cache refreshes every 0.5 s).
  int status = 200;
  for (int i = 0; i < 100 && status != 401; ++i) {
    status = call("GET", "/api/v1/agents", "", plain, {{"X-Team-Slug", "default"}}).status;
    if (status != 401) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(status, 401);
  EXPECT_EQ(call("DELETE", "/api/v1/tokens/" + text_of(token.at("id"))).status, 404);
}

TEST_F(WorkspaceApi, ATokenNeverHoldsAScopeItsCreatorLacks) {
  const std::string limited = server.make_key("acme", "pro", "1", {"tokens:manage", "workspace:read"});
  auto over = call("POST", "/api/v1/tokens", R"({"name":"x","scopes":["workspace:read","agents:write"]})", limited);
  EXPECT_EQ(over.status, 422);
  EXPECT_EQ(over.body, R"({"message":"The selected scopes.1 is invalid.","errors":{"scopes.1":["The selected scopes.1 is invalid."]}})");
  auto fine = call("POST", "/api/v1/tokens", R"({"name":"reader","scopes":["workspace:read"]})", limited);
  ASSERT_EQ(fine.status, 201);
  const std::string reader = text_of(data_of(fine).at("plainText"));
  EXPECT_EQ(call("GET", "/api/v1/contacts", "", reader).status, 200);
  EXPECT_EQ(call("POST", "/api/v1/contacts", R"({"name":"A"})", reader).status, 403);
  // By default a token has its creator's scopes.
  auto same = call("POST", "/api/v1/tokens", R"({"name":"same"})", limited);
  const std::string twin = text_of(data_of(same).at("plainText"));
  EXPECT_EQ(call("GET", "/api/v1/tokens", "", twin).status, 200);
  EXPECT_EQ(call("POST", "/api/v1/agents", R"({"name":"A"})", twin).status, 403);
}

// A token made with POST /tokens belongs to its user and acts in whichever of the user's teams
// the request names.
TEST_F(WorkspaceApi, TokensPickTheirTeamAmongTheUsersMemberships) {
  server.app().store.write([](db::Conn& c) {
    c.exec("INSERT INTO organizations(slug, name, plan, balance_micros, created_at) VALUES ('second', 'Second', 'pro', 0, 'x')");
    c.exec("INSERT INTO memberships(org_id, user_id) SELECT o.id, m.user_id FROM organizations o, memberships m "
           "WHERE o.slug = 'second' AND m.org_id = (SELECT id FROM organizations WHERE slug = 'default')");
  });
  const std::string token = text_of(created("/api/v1/tokens", {{"name", "two teams"}}).at("plainText"));
  auto in = [&](const std::string& team) { return Headers{{"X-Team-Slug", team}}; };
  EXPECT_EQ(call("POST", "/api/v1/contacts", R"({"name":"In default"})", token, in("default")).status, 201);
  EXPECT_EQ(call("POST", "/api/v1/contacts", R"({"name":"In second"})", token, in("second")).status, 201);
  auto names = [&](const std::string& team) {
    return text_of(body_json(call("GET", "/api/v1/contacts", "", token, in(team)).body).at("data").at(0).at("name"));
  };
  EXPECT_EQ(names("default"), "In default");
  EXPECT_EQ(names("second"), "In second");
  EXPECT_EQ(call("GET", "/api/v1/contacts?team=second", "", token).status, 200);
  // No team named with two memberships, or a team that is not the user's: 403.
  EXPECT_EQ(call("GET", "/api/v1/contacts", "", token).body, R"({"message":"This action is unauthorized."})");
  EXPECT_EQ(call("GET", "/api/v1/contacts", "", token, in("acme")).status, 403);
}

TEST_F(WorkspaceApi, LaravelBodiesByteForByte) {
  auto several = call("POST", "/api/v1/contacts", R"({"email":"not-an-email","birthday":"1990-02-30","tags":"vip"})");
  EXPECT_EQ(several.status, 422);
  EXPECT_EQ(several.body,
            R"x({"message":"The name field is required. (and 3 more errors)","errors":{)x"
            R"x("name":["The name field is required."],"email":["The email field must be a valid email address."],)x"
            R"x("tags":["The tags field must be an array."],"birthday":["The birthday field must match the format Y-m-d."]}})x");
  auto two = call("POST", "/api/v1/items", R"({"title":"","priority":"soon"})");
  EXPECT_EQ(two.body,
            R"x({"message":"The title field is required. (and 1 more error)","errors":{"title":["The title field is required."],"priority":["The selected priority is invalid."]}})x");
  auto none = http_call(server.port(), "GET", "/api/v1/contacts");
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(none.body, R"({"message":"Unauthenticated."})");
  const std::string reader = server.make_key("acme", "pro", "1", {"workspace:read"});
  auto denied = call("POST", "/api/v1/contacts", R"({"name":"A"})", reader);
  EXPECT_EQ(denied.status, 403);
  EXPECT_EQ(denied.body, R"({"message":"This action is unauthorized."})");
  auto missing = call("GET", "/api/v1/contacts/ct_0000000000000000");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.body, R"({"message":"Not found."})");
  auto unknown = call("GET", "/api/v1/nothing-here");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.body, R"({"message":"Not found."})");
  const std::string slow = server.make_key("slow", "pro", "1", {"workspace:read"}, 1);
  EXPECT_EQ(call("GET", "/api/v1/contacts", "", slow).status, 200);
  auto limited = call("GET", "/api/v1/contacts", "", slow);
  EXPECT_EQ(limited.status, 429);
  EXPECT_EQ(limited.body, R"({"message":"Too Many Attempts."})");
  EXPECT_FALSE(limited.header("Retry-After").empty());
  auto bad_json = call("POST", "/api/v1/contacts", "{not json");
  EXPECT_EQ(bad_json.status, 422);
}

TEST_F(WorkspaceApi, EveryBoundAtAndPastItsEdge) {
  const std::string agent = agent_uuid();
  const std::string memories = "/api/v1/agents/" + agent + "/memories";
  struct Case {
    const char* field;
    json::value ok, bad;
    const char* message;
  };
  const std::vector<Case> cases = {
      {"confidence", 1, 1.01, "The confidence field must be between 0 and 1."},
      {"confidence", 0, -0.01, "The confidence field must be between 0 and 1."},
      {"importance", 10, 11, "The importance field must be between 0 and 10."},
      {"importance", 0, 2.5, "The importance field must be an integer."},
      {"sentiment", -1, -1.5, "The sentiment field must be between -1 and 1."},
      {"sentiment", 1, "high", "The sentiment field must be a number."},
      {"tier", "longterm", "forever", "The selected tier is invalid."},
      {"teamVisible", true, "yes", "The team visible field must be true or false."},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(call("POST", memories, json::serialize(json::object{{"content", "abc"}, {c.field, c.ok}})).status, 201) << c.field;
    auto bad = call("POST", memories, json::serialize(json::object{{"content", "abc"}, {c.field, c.bad}}));
    EXPECT_EQ(bad.status, 422) << c.field;
    EXPECT_EQ(text_of(body_json(bad.body).at("message")), c.message);
  }
  auto short_content = call("POST", memories, R"({"content":"ab"})");
  EXPECT_EQ(text_of(body_json(short_content.body).at("message")), "The content field must be at least 3 characters.");
  const std::string goals = "/api/v1/agents/" + agent + "/goals";
  EXPECT_EQ(call("POST", goals, R"({"title":"abc","progress":100})").status, 201);
  EXPECT_EQ(text_of(body_json(call("POST", goals, R"({"title":"abc","progress":101})").body).at("message")),
            "The progress field must be between 0 and 100.");
  EXPECT_EQ(text_of(body_json(call("POST", goals, R"({"title":"ab"})").body).at("message")),
            "The title field must be at least 3 characters.");
  EXPECT_EQ(text_of(body_json(call("POST", goals, R"({"title":"abc","status":"done"})").body).at("message")),
            "The selected status is invalid.");
  const std::string long_name(256, 'x');
  EXPECT_EQ(call("POST", "/api/v1/contacts", json::serialize(json::object{{"name", long_name.substr(1)}})).status, 201);
  EXPECT_EQ(text_of(body_json(call("POST", "/api/v1/contacts", json::serialize(json::object{{"name", long_name}})).body).at("message")),
            "The name field must not be greater than 255 characters.");
  EXPECT_EQ(text_of(body_json(call("POST", "/api/v1/items", R"({"title":"t","dueDate":"tomorrow"})").body).at("message")),
            "The due date field must be a valid date.");
  EXPECT_EQ(text_of(body_json(call("POST", "/api/v1/agents/" + agent + "/reminders", R"({"text":"call"})").body).at("message")),
            "The scheduled at field is required.");
  EXPECT_EQ(call("GET", "/api/v1/contacts?per_page=100").status, 200);
  EXPECT_EQ(text_of(body_json(call("GET", "/api/v1/contacts?per_page=101").body).at("message")),
            "The per page field must be between 1 and 100.");
  EXPECT_EQ(call("GET", "/api/v1/contacts?page=0").status, 422);
}

TEST_F(WorkspaceApi, PagingLinksAndMetaOnFirstMiddleAndLastPage) {
  for (int i = 0; i < 7; ++i) created("/api/v1/contacts", {{"name", "Person " + std::to_string(i)}, {"company", "Acme"}});
  created("/api/v1/contacts", {{"name", "Loner"}});
  // The links name the Host the client sent (this harness sends "127.0.0.1").
  const std::string base = "http://127.0.0.1/api/v1/contacts?filter%5Bsearch%5D=acme&per_page=3&page=";  // as Laravel's paginator encodes it
  auto page = [&](int n) { return body_json(call("GET", "/api/v1/contacts?filter[search]=acme&per_page=3&page=" + std::to_string(n)).body); };
  auto first = page(1);
  EXPECT_EQ(json::serialize(first.at("links")),
            R"({"first":")" + base + R"(1","last":")" + base + R"(3","prev":null,"next":")" + base + R"(2"})");
  EXPECT_EQ(json::serialize(first.at("meta")), R"({"current_page":1,"from":1,"last_page":3,"per_page":3,"to":3,"total":7})");
  auto middle = page(2);
  EXPECT_EQ(text_of(middle.at("links").at("prev")), base + "1");
  EXPECT_EQ(text_of(middle.at("links").at("next")), base + "3");
  EXPECT_EQ(json::serialize(middle.at("meta")), R"({"current_page":2,"from":4,"last_page":3,"per_page":3,"to":6,"total":7})");
  auto last = page(3);
  EXPECT_EQ(last.at("data").as_array().size(), 1u);
  EXPECT_TRUE(last.at("links").at("next").is_null());
  EXPECT_EQ(json::serialize(last.at("meta")), R"({"current_page":3,"from":7,"last_page":3,"per_page":3,"to":7,"total":7})");
  auto beyond = page(4);
  EXPECT_TRUE(beyond.at("data").as_array().empty());
  EXPECT_TRUE(beyond.at("meta").at("from").is_null());
  // Default per_page 15, newest first.
  auto all = body_json(call("GET", "/api/v1/contacts").body);
  EXPECT_EQ(all.at("meta").at("per_page"), 15);
  EXPECT_EQ(text_of(all.at("data").as_array()[0].at("name")), "Loner");
}

TEST_F(WorkspaceApi, ContactsSearchFindOrCreatePropertiesActivitiesTimeline) {
  const auto jane = created("/api/v1/contacts", {{"name", "Jane Doe"}, {"email", "jane@example.com"}, {"company", "Globex"},
                                                 {"tags", json::array{"lead"}}, {"birthday", "1990-04-01"},
                                                 {"socials", {{"twitter", "@jane"}}}});
  created("/api/v1/contacts", {{"name", "John Roe"}, {"email", "john@initech.com"}, {"tags", json::array{"vip"}}});
  const std::string id = text_of(jane.at("id"));
  auto search = [&](const std::string& q) {
    json::array names;
    const auto page = body_json(call("GET", "/api/v1/contacts?filter[search]=" + q).body);
    for (const auto& c : page.at("data").as_array()) names.push_back(c.at("name"));
    return json::serialize(names);
  };
  EXPECT_EQ(search("glob"), R"(["Jane Doe"])");      // company
  EXPECT_EQ(search("initech"), R"(["John Roe"])");   // email
  EXPECT_EQ(search("vip"), R"(["John Roe"])");       // tags
  EXPECT_EQ(search("DOE"), R"(["Jane Doe"])");       // name, any case
  EXPECT_EQ(search("oe"), R"(["John Roe","Jane Doe"])");  // two letters: still a substring
  EXPECT_EQ(search("nobody"), "[]");

  // find-or-create: by email (any case), else by exact name; twice the same contact.
  auto again = call("POST", "/api/v1/contacts/find-or-create", R"({"name":"J. Doe","email":"JANE@example.com"})");
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(text_of(data_of(again).at("id")), id);
  auto made = call("POST", "/api/v1/contacts/find-or-create", R"({"name":"Max Mustermann"})");
  EXPECT_EQ(made.status, 201);
  auto same = call("POST", "/api/v1/contacts/find-or-create", R"({"name":"Max Mustermann"})");
  EXPECT_EQ(same.status, 200);
  EXPECT_EQ(data_of(same).at("id"), data_of(made).at("id"));

  // Update with tagsAppend (no duplicates), a property, activities, the timeline.
  auto put = call("PUT", "/api/v1/contacts/" + id, R"({"title":"CTO","tagsAppend":["lead","customer"]})");
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(json::serialize(data_of(put).at("tags")), R"(["lead","customer"])");
  EXPECT_EQ(text_of(data_of(put).at("birthday")), "1990-04-01");
  EXPECT_EQ(json::serialize(data_of(put).at("socials")), R"({"twitter":"@jane"})");
  auto prop = call("POST", "/api/v1/contacts/" + id + "/properties", R"({"key":"plan","value":"gold"})");
  EXPECT_EQ(prop.status, 200);
  EXPECT_EQ(json::serialize(data_of(prop).at("properties")), R"({"plan":"gold"})");
  auto call_logged = created("/api/v1/contacts/" + id + "/activities", {{"type", "call"}, {"description", "Intro call"},
                                                                         {"meta", {{"minutes", 15}}}});
  created("/api/v1/contacts/" + id + "/activities", {{"type", "email"}});
  auto acts = body_json(call("GET", "/api/v1/contacts/" + id + "/activities").body);
  EXPECT_EQ(acts.at("meta").at("total"), 2);
  auto timeline = body_json(call("GET", "/api/v1/contacts/" + id + "/timeline").body);
  std::vector<std::string> kinds;
  for (const auto& e : timeline.at("data").as_array())
    kinds.push_back(text_of(e.at("kind")) + ":" + text_of(e.as_object().contains("type") ? e.at("type") : e.at("event")));
  // Newest first: two activities, the property, the update, the creation.
  EXPECT_EQ(kinds, (std::vector<std::string>{"activity:email", "activity:call", "change:updated", "change:updated", "change:created"}));
  EXPECT_EQ(json::serialize(timeline.at("data").as_array()[3].at("changes")), R"({"title":"CTO","tags":["lead","customer"]})");
  EXPECT_EQ(call("DELETE", "/api/v1/contacts/" + id + "/activities/" + text_of(call_logged.at("id"))).status, 204);
  EXPECT_EQ(body_json(call("GET", "/api/v1/contacts/" + id + "/activities").body).at("meta").at("total"), 1);
  EXPECT_EQ(call("DELETE", "/api/v1/contacts/" + id).status, 204);
  EXPECT_EQ(call("GET", "/api/v1/contacts/" + id).status, 404);
  EXPECT_EQ(call("GET", "/api/v1/contacts/" + id + "/timeline").status, 404);
}

TEST_F(WorkspaceApi, ItemsFilterAndLinkOnlyTheTeamsOwnObjects) {
  const std::string agent = agent_uuid();
  const auto goal = created("/api/v1/agents/" + agent + "/goals", {{"title", "Launch"}, {"priority", "high"}});
  const auto contact = created("/api/v1/contacts", {{"name", "Jane"}});
  const std::string today = iso8601_unix(server.app().clock.unix_seconds()).substr(0, 10);
  created("/api/v1/items", {{"title", "Due today"}, {"dueDate", today + "T18:00:00Z"}, {"status", "active"}, {"priority", "urgent"},
                            {"goalId", goal.at("id")}, {"contactIds", json::array{contact.at("id")}}});
  created("/api/v1/items", {{"title", "Later"}, {"dueDate", "2999-01-01"}, {"status", "active"}});
  created("/api/v1/items", {{"title", "Backlog"}});
  auto titles = [&](const std::string& q) {
    json::array t;
    const auto page = body_json(call("GET", "/api/v1/items" + q).body);
    for (const auto& i : page.at("data").as_array()) t.push_back(i.at("title"));
    return json::serialize(t);
  };
  EXPECT_EQ(titles("?status=active"), R"(["Later","Due today"])");
  EXPECT_EQ(titles("?priority=urgent"), R"(["Due today"])");
  EXPECT_EQ(titles("?dueToday=1"), R"(["Due today"])");
  EXPECT_EQ(titles("?status=backlog&dueToday=0"), R"(["Backlog"])");
  EXPECT_EQ(call("GET", "/api/v1/items?status=open").status, 422);

  // Another team's goal and contact are not this team's.
  const std::string other = server.make_key("other", "pro", "1", {"workspace:read", "workspace:write", "agents:write"});
  auto theirs = call("POST", "/api/v1/items",
                     json::serialize(json::object{{"title", "x"}, {"goalId", goal.at("id")}, {"contactIds", json::array{"ct_nope", contact.at("id")}}}),
                     other);
  EXPECT_EQ(theirs.status, 422);
  EXPECT_EQ(theirs.body,
            R"x({"message":"The selected goal id is invalid. (and 2 more errors)","errors":{"goalId":["The selected goal id is invalid."],)x"
            R"x("contactIds.0":["The selected contact ids.0 is invalid."],"contactIds.1":["The selected contact ids.1 is invalid."]}})x");
  // PUT changes only what it names.
  const auto item = created("/api/v1/items", {{"title", "Edit me"}, {"tags", json::array{"a"}}});
  auto put = call("PUT", "/api/v1/items/" + text_of(item.at("id")), R"({"status":"done"})");
  EXPECT_EQ(text_of(data_of(put).at("status")), "done");
  EXPECT_EQ(text_of(data_of(put).at("title")), "Edit me");
  EXPECT_EQ(json::serialize(data_of(put).at("tags")), R"(["a"])");
}

TEST_F(WorkspaceApi, AgentsAreTheSameRecordAsTheOtherDialects) {
  auto made = call("POST", "/api/v1/agents", R"({"name":"Support Bot","systemPrompt":"Be kind.","bio":"Line one\nLine two"})");
  ASSERT_EQ(made.status, 201) << made.body;
  const auto a = data_of(made);
  const std::string uuid = text_of(a.at("uuid"));
  EXPECT_EQ(a.at("published"), false);
  auto character = call("PATCH", "/api/v1/agents/" + uuid + "/character", R"({"systemPrompt":"Be brief."})");
  EXPECT_EQ(text_of(data_of(character).at("systemPrompt")), "Be brief.");
  EXPECT_EQ(text_of(data_of(character).at("name")), "Support Bot");
  EXPECT_EQ(data_of(call("POST", "/api/v1/agents/" + uuid + "/publish")).at("published"), true);
  auto settings = call("POST", "/api/v1/agents/" + uuid + "/settings", R"({"language":"en","voice":"calm"})");
  EXPECT_EQ(json::serialize(data_of(settings).at("settings")), R"({"language":"en","voice":"calm"})");
  settings = call("POST", "/api/v1/agents/" + uuid + "/settings", R"({"settings":{"voice":null}})");
  EXPECT_EQ(json::serialize(data_of(settings).at("settings")), R"({"language":"en"})");
  // The Agents API sees the same agent: bio lines, instruction.
  auto v1 = http_call(server.port(), "GET", "/v1/agents/" + uuid, {{"Authorization", "Bearer " + key}});
  ASSERT_EQ(v1.status, 200) << v1.body;
  EXPECT_EQ(json::serialize(body_json(v1.body).at("data").at("bio")), R"(["Line one","Line two"])");
  EXPECT_EQ(text_of(body_json(v1.body).at("data").at("name")), "Support Bot");
  auto patched = call("PATCH", "/api/v1/agents/" + uuid, R"({"name":""})");
  EXPECT_EQ(patched.body, R"({"message":"The name field is required.","errors":{"name":["The name field is required."]}})");
  EXPECT_EQ(call("DELETE", "/api/v1/agents/" + uuid).status, 204);
  EXPECT_EQ(call("GET", "/api/v1/agents/" + uuid).status, 404);
}

TEST_F(WorkspaceApi, AgentAuthKeysActAsTheAgentInItsTeam) {
  const std::string uuid = agent_uuid();
  auto rotated = call("POST", "/api/v1/agents/" + uuid + "/auth-key");
  ASSERT_EQ(rotated.status, 201);
  const std::string agent_key = text_of(data_of(rotated).at("authKey"));
  EXPECT_EQ(text_of(data_of(rotated).at("uuid")), uuid);
  auto as_agent = [&](const std::string& k, const std::string& method, const std::string& target, const std::string& body = "") {
    return http_call(server.port(), method, target, {{"X-Agent-Auth-Key", k}, {"Content-Type", "application/json"}}, body);
  };
  EXPECT_EQ(as_agent(agent_key, "POST", "/api/v1/contacts", R"({"name":"From the agent"})").status, 201);
  // Only workspace and invoke scopes; never as a Bearer key, never outside this dialect.
  EXPECT_EQ(as_agent(agent_key, "POST", "/api/v1/tokens", R"({"name":"x"})").status, 403);
  EXPECT_EQ(call("GET", "/api/v1/contacts", "", agent_key).status, 401);
  EXPECT_EQ(http_call(server.port(), "GET", "/api/external/agents", {{"X-API-Key", agent_key}}).status, 401);
  // Rotating again: the previous key stops within a second.
  const std::string next = text_of(data_of(call("POST", "/api/v1/agents/" + uuid + "/auth-key")).at("authKey"));
  int status = 200;
  for (int i = 0; i < 100 && status != 401; ++i) {
    status = as_agent(agent_key, "GET", "/api/v1/contacts").status;
    if (status != 401) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(status, 401);
  EXPECT_EQ(as_agent(next, "GET", "/api/v1/contacts").status, 200);
}

// Every id of one team answers 404 to another team's key, with the body of an unknown id.
TEST_F(WorkspaceApi, AnotherTeamSeesNotFoundForEveryId) {
  const std::string agent = agent_uuid();
  const std::string contact = text_of(created("/api/v1/contacts", {{"name", "Jane"}}).at("id"));
  const std::string activity = text_of(created("/api/v1/contacts/" + contact + "/activities", {{"type", "call"}}).at("id"));
  const std::string item = text_of(created("/api/v1/items", {{"title", "x"}}).at("id"));
  const std::string memory = text_of(created("/api/v1/agents/" + agent + "/memories", {{"content", "secret fact"}}).at("id"));
  const std::string goal = text_of(created("/api/v1/agents/" + agent + "/goals", {{"title", "Goal"}}).at("id"));
  const std::string reminder = text_of(created("/api/v1/agents/" + agent + "/reminders", {{"text", "Ping"}, {"scheduledAt", "2999-01-01T00:00:00Z"}}).at("id"));
  const std::string room = text_of(created("/api/v1/rooms", {{"agentUuid", agent}, {"name", "Main"}}).at("id"));
  const std::string token = text_of(created("/api/v1/tokens", {{"name", "t"}}).at("id"));
  const std::string other = server.make_key("other", "pro", "5", {"workspace:read", "workspace:write", "agents:list", "agents:write",
                                                                   "agents:invoke", "tokens:manage"});
  const std::vector<std::pair<std::string, std::string>> routes = {
      {"GET", "/api/v1/agents/" + agent}, {"PATCH", "/api/v1/agents/" + agent}, {"DELETE", "/api/v1/agents/" + agent},
      {"PATCH", "/api/v1/agents/" + agent + "/character"}, {"POST", "/api/v1/agents/" + agent + "/publish"},
      {"POST", "/api/v1/agents/" + agent + "/settings"}, {"POST", "/api/v1/agents/" + agent + "/auth-key"},
      {"GET", "/api/v1/agents/" + agent + "/memories"}, {"POST", "/api/v1/agents/" + agent + "/memories"},
      {"POST", "/api/v1/agents/" + agent + "/goals"}, {"POST", "/api/v1/agents/" + agent + "/reminders"},
      {"GET", "/api/v1/contacts/" + contact}, {"PUT", "/api/v1/contacts/" + contact}, {"DELETE", "/api/v1/contacts/" + contact},
      {"POST", "/api/v1/contacts/" + contact + "/properties"}, {"GET", "/api/v1/contacts/" + contact + "/activities"},
      {"POST", "/api/v1/contacts/" + contact + "/activities"},
      {"DELETE", "/api/v1/contacts/" + contact + "/activities/" + activity}, {"GET", "/api/v1/contacts/" + contact + "/timeline"},
      {"GET", "/api/v1/items/" + item}, {"PUT", "/api/v1/items/" + item}, {"DELETE", "/api/v1/items/" + item},
      {"GET", "/api/v1/memories/" + memory}, {"PUT", "/api/v1/memories/" + memory}, {"DELETE", "/api/v1/memories/" + memory},
      {"GET", "/api/v1/goals/" + goal}, {"PUT", "/api/v1/goals/" + goal}, {"DELETE", "/api/v1/goals/" + goal},
      {"GET", "/api/v1/reminders/" + reminder}, {"DELETE", "/api/v1/reminders/" + reminder},
      {"GET", "/api/v1/rooms/" + room + "/messages"}, {"POST", "/api/v1/rooms/" + room + "/messages"},
      {"DELETE", "/api/v1/tokens/" + token}};
  const std::string body = R"({"name":"n","title":"ttt","content":"hello there","text":"ttt","scheduledAt":"2999-01-01","type":"call","key":"k","value":1})";
  for (const auto& [method, target] : routes) {
    auto r = call(method, target, method == "GET" || method == "DELETE" ? "" : body, other);
    EXPECT_EQ(r.status, 404) << method << " " << target << " " << r.body;
    EXPECT_EQ(r.body, R"({"message":"Not found."})") << method << " " << target;
  }
  // Lists hold none of it.
  for (const char* list : {"/api/v1/contacts", "/api/v1/items", "/api/v1/goals", "/api/v1/reminders", "/api/v1/rooms", "/api/v1/agents"})
    EXPECT_EQ(body_json(call("GET", list, "", other).body).at("meta").at("total"), 0) << list;
  // And nothing changed for the owner.
  EXPECT_EQ(call("GET", "/api/v1/contacts/" + contact).status, 200);
  EXPECT_EQ(call("GET", "/api/v1/memories/" + memory).status, 200);
}

TEST_F(WorkspaceApi, AReplayedPostCreatesOnce) {
  const Headers idem = {{"Idempotency-Key", "create-jane-1"}};
  auto first = call("POST", "/api/v1/contacts", R"({"name":"Jane"})", "", idem);
  auto second = call("POST", "/api/v1/contacts", R"({"name":"Jane"})", "", idem);
  EXPECT_EQ(first.status, 201);
  EXPECT_EQ(second.status, 201);
  EXPECT_EQ(second.body, first.body);
  EXPECT_EQ(second.header("Idempotent-Replayed"), "true");
  EXPECT_EQ(body_json(call("GET", "/api/v1/contacts").body).at("meta").at("total"), 1);
  EXPECT_EQ(call("POST", "/api/v1/contacts", R"({"name":"Other"})", "", idem).status, 422);
}
