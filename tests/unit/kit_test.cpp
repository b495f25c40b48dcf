// The adapters' kit: typed JSON field reading and the paging parsers and shapes.
#include "api/agents_v1/dialect.hpp"
#include "api/common/dispatcher.hpp"
#include "api/common/json_body.hpp"
#include "api/common/schema.hpp"
#include "api/external/dialect.hpp"
#include "api/workspace/dialect.hpp"

#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <gtest/gtest.h>

using namespace agentd;
namespace json = boost::json;

namespace {

// A request context for `target`, for the parsers that read the query.
struct Ctx {
  explicit Ctx(const std::string& target) : text(target) {
    request.target(text);
    request.set(http::bhttp::field::host, "example.test");
    ctx.emplace(access::Call{request, *boost::urls::parse_origin_form(text), "r", {}, {}, {}, false}, route,
                http::PathParams{}, nullptr);
  }
  std::string text;
  http::Request request;
  api::Route route;
  std::optional<api::RequestContext> ctx;
};

std::string violation_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const AppError& e) {
    return (e.violation ? e.violation->field + ":" + e.violation->rule + ":" : std::string("-:")) + e.message;
  }
  return "no error";
}

}  // namespace

TEST(JsonBody, NamesTheFieldAndTheRule) {
  EXPECT_EQ(violation_of([] { api::JsonBody::parse("[1]"); }), "-:Request body must be a JSON object");
  EXPECT_EQ(violation_of([] { api::JsonBody::parse("{nope"); }), "-:Request body must be a JSON object");
  const auto b = api::JsonBody::parse(R"({"name":"","n":7,"x":1.5,"on":"yes","tags":["a",2],"kind":"z","gone":null})");
  EXPECT_EQ(violation_of([&] { b.required_string("name"); }), "name:required:name is required");
  EXPECT_EQ(violation_of([&] { b.required_string("missing"); }), "missing:required:missing is required");
  EXPECT_EQ(violation_of([&] { b.integer("n", 1, 5); }), "n:between:n must be an integer between 1 and 5");
  EXPECT_EQ(violation_of([&] { b.number("x", 0, 1); }), "x:between:x must be a number between 0 and 1");
  EXPECT_EQ(violation_of([&] { b.boolean("on"); }), "on:boolean:on must be true or false");
  EXPECT_EQ(violation_of([&] { b.strings("tags"); }), "tags:array:tags must be an array of strings");
  EXPECT_EQ(violation_of([&] { b.one_of("kind", {"a", "b"}); }), "kind:in:kind must be one of a, b");
  EXPECT_EQ(violation_of([&] { b.only({"name", "n"}); }), "x:unknown:Unknown field 'x'");
  EXPECT_EQ(b.integer("n", 1, 10), 7);
  EXPECT_FALSE(b.string("gone").has_value());
  EXPECT_TRUE(b.present("gone"));
  EXPECT_FALSE(b.has("gone"));
}

TEST(Paging, PageAndSizeAreBoundedNeverClamped) {
  const auto style = api::PageStyle{"page", "limit", 20, 100};
  EXPECT_EQ(api::read_page(*Ctx("/v1/agents").ctx, style).size, 20);
  const auto p = api::read_page(*Ctx("/v1/agents?page=3&limit=7").ctx, style);
  EXPECT_EQ(p.page, 3);
  EXPECT_EQ(p.offset(), 14);
  for (const char* bad : {"/v1/agents?limit=0", "/v1/agents?limit=101", "/v1/agents?page=0", "/v1/agents?page=-1",
                          "/v1/agents?limit=ten", "/v1/agents?page=2x"})
    EXPECT_NE(violation_of([&] { api::read_page(*Ctx(bad).ctx, style); }), "no error") << bad;
  const auto o = api::read_offset(*Ctx("/api/external/rag/uploads?limit=5&offset=10").ctx);
  EXPECT_EQ(o.limit, 5);
  EXPECT_EQ(o.offset, 10);
  EXPECT_EQ(api::page_count(95, 20), 5);
  EXPECT_EQ(api::page_count(0, 20), 0);
}

TEST(Paging, EachDialectShapesItsPage) {
  Ctx c("/api/v1/contacts?filter%5Bsearch%5D=ann&page=2&per_page=2");
  const auto ws = api::workspace::descriptor();
  const auto page = api::read_page(*c.ctx, ws.paging);
  EXPECT_EQ(page.size, 2);
  EXPECT_EQ(json::serialize(ws.shape_page(*c.ctx, json::array{1, 2}, "contacts", page, 5)),
            R"({"data":[1,2],"links":{"first":"http://example.test/api/v1/contacts?filter%5Bsearch%5D=ann&per_page=2&page=1",)"
            R"("last":"http://example.test/api/v1/contacts?filter%5Bsearch%5D=ann&per_page=2&page=3",)"
            R"("prev":"http://example.test/api/v1/contacts?filter%5Bsearch%5D=ann&per_page=2&page=1",)"
            R"("next":"http://example.test/api/v1/contacts?filter%5Bsearch%5D=ann&per_page=2&page=3"},)"
            R"("meta":{"current_page":2,"from":3,"last_page":3,"per_page":2,"to":4,"total":5}})");
  const auto ag = api::agents_v1::descriptor();
  EXPECT_EQ(json::serialize(ag.shape_page(*c.ctx, json::array{1}, "agents", {2, 20}, 21)),
            R"({"items":[1],"agents":[1],"pagination":{"currentPage":2,"totalPages":2,"totalItems":21,"itemsPerPage":20}})");
  const auto ex = api::external::descriptor();
  EXPECT_EQ(json::serialize(ex.shape_page(*c.ctx, json::array{}, "sessions", {1, 20}, 20)),
            R"({"sessions":[],"total":20,"page":1,"page_size":20,"has_next":false})");
}

TEST(Schema, ADeclaredKindIsDocumentedAsItValidates) {
  using db::FieldType;
  const db::Kind kind{.name = "note",
                      .fields = {{.name = "title", .required = true, .min = 3, .max = 80},
                                 {.name = "level", .type = FieldType::integer, .min = 0, .max = 10},
                                 {.name = "tier", .values = {"a", "b"}},
                                 {.name = "dueAt", .type = FieldType::datetime},
                                 {.name = "owner", .read_only = true}}};
  const auto input = api::schema::record_input(kind, false);
  EXPECT_EQ(json::serialize(input.at("required")), R"(["title"])");
  const auto& props = input.at("properties").as_object();
  EXPECT_EQ(json::serialize(props.at("title")), R"({"type":"string","minLength":3,"maxLength":80})");
  EXPECT_EQ(json::serialize(props.at("level")), R"({"type":["integer","null"],"minimum":0,"maximum":10})");
  EXPECT_EQ(json::serialize(props.at("tier")), R"({"type":["string","null"],"enum":["a","b",null]})");
  EXPECT_FALSE(props.contains("owner"));  // read-only: shown, never taken
  EXPECT_FALSE(api::schema::record_input(kind, true).contains("required"));
  const auto shown = api::schema::record(kind);
  EXPECT_TRUE(shown.at("properties").as_object().contains("owner"));
  EXPECT_TRUE(shown.at("properties").as_object().contains("createdAt"));
}
