#include "http/router.hpp"

#include <gtest/gtest.h>

using namespace agentd::http;

namespace {

struct TestRoute {
  bhttp::verb method;
  std::string pattern;
};
using TestRouter = agentd::http::Router<TestRoute>;

TestRoute route(bhttp::verb v, std::string pattern) { return {v, std::move(pattern)}; }

}  // namespace

TEST(Router, MatchesLiteralAndParameterSegments) {
  TestRouter r;
  r.add(route(bhttp::verb::get, "/api/external/rag/uploads/{upload_id}"));
  r.add(route(bhttp::verb::get, "/api/external/rag/uploads"));
  auto m = r.match(bhttp::verb::get, "/api/external/rag/uploads/550e8400");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->pattern, "/api/external/rag/uploads/{upload_id}");
  ASSERT_EQ(m.params.size(), 1u);
  EXPECT_EQ(m.params[0].first, "upload_id");
  EXPECT_EQ(m.params[0].second, "550e8400");
  auto list = r.match(bhttp::verb::get, "/api/external/rag/uploads");
  ASSERT_NE(list.route, nullptr);
  EXPECT_EQ(list.route->pattern, "/api/external/rag/uploads");
  EXPECT_TRUE(list.params.empty());
}

TEST(Router, LiteralSegmentBeatsParameter) {
  TestRouter r;
  r.add(route(bhttp::verb::get, "/v1/agents/{id}"));
  r.add(route(bhttp::verb::get, "/v1/agents/models"));
  EXPECT_EQ(r.match(bhttp::verb::get, "/v1/agents/models").route->pattern, "/v1/agents/models");
  EXPECT_EQ(r.match(bhttp::verb::get, "/v1/agents/agent_1").route->pattern, "/v1/agents/{id}");
}

TEST(Router, UnknownPathIs404AndWrongVerbIs405WithAllow) {
  TestRouter r;
  r.add(route(bhttp::verb::get, "/api/external/agents"));
  r.add(route(bhttp::verb::post, "/api/external/agents"));
  r.add(route(bhttp::verb::delete_, "/api/external/agents/{id}"));
  auto none = r.match(bhttp::verb::get, "/api/external/nothing");
  EXPECT_EQ(none.route, nullptr);
  EXPECT_TRUE(none.allowed.empty());
  auto wrong = r.match(bhttp::verb::put, "/api/external/agents");
  EXPECT_EQ(wrong.route, nullptr);
  ASSERT_EQ(wrong.allowed.size(), 2u);
  EXPECT_EQ(wrong.allowed[0], bhttp::verb::get);
  EXPECT_EQ(wrong.allowed[1], bhttp::verb::post);
}

TEST(Router, DecodesPercentEncodedParameters) {
  TestRouter r;
  r.add(route(bhttp::verb::delete_, "/api/external/rag/datastores/{id}/files/{filename}"));
  auto m = r.match(bhttp::verb::delete_, "/api/external/rag/datastores/ds-1/files/old%20policy%2Bv2.pdf");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.params[1].second, "old policy+v2.pdf");
  EXPECT_EQ(percent_decode("%zz%4"), "%zz%4");
}

TEST(Router, TrailingAndDoubleSlashesDoNotCreateSegments) {
  TestRouter r;
  r.add(route(bhttp::verb::get, "/health"));
  EXPECT_NE(r.match(bhttp::verb::get, "/health/").route, nullptr);
  EXPECT_EQ(r.match(bhttp::verb::get, "/health/x").route, nullptr);
}
