// Generated content (API.md 3.5, seed 003) over real HTTP: the seed's poll loop until
// completed, every detail field, the seed's error bodies byte for byte, paging and filters,
// the signed storage URL (bytes, ETag, Range, a tampered signature), credits held, charged and
// released, isolation, and ten generations surviving a SIGKILL.
#include "content_api.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

using namespace agentd;
using namespace agentd::testing;
namespace json = boost::json;

TEST(Content, TheSeedsFlowFromCreateToStoredFile) {
  InProcessServer server;
  const ContentApi api{server.port(), server.make_key("acme", "pro", "1", kContentScopes)};
  const std::string id = api.create({{"prompt", "A serene mountain landscape at sunset"}, {"content_type", "image"},
                                     {"input", {{"width", 256}, {"height", 128}}}});
  const auto item = api.wait_for_content(id);
  ASSERT_EQ(text_of(item.at("status")), "completed") << json::serialize(item);
  for (const char* field : {"id", "organization_id", "user_id", "content_type", "status", "prompt", "replicate_version",
                            "replicate_prediction_id", "replicate_input", "output_url", "storage_path", "storage_url",
                            "error_message", "retry_count", "max_retries", "credit_cost", "processing_time_ms", "created_at",
                            "started_at", "completed_at"})
    EXPECT_TRUE(item.contains(field)) << field;
  EXPECT_EQ(text_of(item.at("organization_id")), "acme");
  EXPECT_EQ(item.at("credit_cost").as_double(), 0.05);
  EXPECT_GE(item.at("processing_time_ms").as_int64(), 0);
  EXPECT_EQ(text_of(item.at("storage_path")).rfind("generation/image/" + id.substr(0, 8) + "_", 0), 0u);
  EXPECT_TRUE(item.at("error_message").is_null());
  EXPECT_EQ(item.at("retry_count"), 0);
  EXPECT_EQ(item.at("max_retries"), 3);

  // The storage URL serves the file: type, length, ETag, ranges, a tampered signature.
  const std::string target = api.storage_target(item);
  auto file = http_call(server.port(), "GET", target);
  ASSERT_EQ(file.status, 200);
  EXPECT_EQ(file.header("Content-Type"), "image/png");
  EXPECT_EQ(file.header("Content-Length"), std::to_string(file.body.size()));
  EXPECT_EQ(file.body.substr(1, 3), "PNG");
  const std::string etag = file.header("ETag");
  EXPECT_FALSE(etag.empty());
  EXPECT_EQ(http_call(server.port(), "GET", target, {{"If-None-Match", etag}}).status, 304);
  auto part = http_call(server.port(), "GET", target, {{"Range", "bytes=10-19"}});
  EXPECT_EQ(part.status, 206);
  EXPECT_EQ(part.header("Content-Range"), "bytes 10-19/" + std::to_string(file.body.size()));
  EXPECT_EQ(part.body, file.body.substr(10, 10));
  auto tail = http_call(server.port(), "GET", target, {{"Range", "bytes=-5"}});
  EXPECT_EQ(tail.body, file.body.substr(file.body.size() - 5));
  EXPECT_EQ(http_call(server.port(), "GET", target, {{"Range", "bytes=999999-"}}).status, 416);
  std::string tampered = target;
  tampered.back() = tampered.back() == '0' ? '1' : '0';
  EXPECT_EQ(http_call(server.port(), "GET", tampered).status, 403);
  EXPECT_EQ(http_call(server.port(), "GET", target.substr(0, target.find('?'))).status, 403);
  EXPECT_EQ(http_call(server.port(), "GET", "/storage/generation/image/..%2F..%2Fagentd.db?sig=" + std::string(64, 'a')).status, 403);

  // The credits: charged once, nothing held any more.
  auto credits = body_json(api.call("GET", "/api/external/credits").body);
  EXPECT_EQ(text_of(credits.at("balance")), "0.950000");
  EXPECT_EQ(text_of(credits.at("reserved")), "0.000000");
  // A PDF for "other".
  const auto pdf = api.wait_for_content(api.create({{"prompt", "A one-page summary"}, {"content_type", "other"}}));
  EXPECT_EQ(http_call(server.port(), "GET", api.storage_target(pdf)).header("Content-Type"), "application/pdf");
}

TEST(Content, TheSeedsErrorBodiesByteForByte) {
  InProcessServer server;
  const ContentApi api{server.port(), server.make_key("acme", "pro", "1", kContentScopes)};
  EXPECT_EQ(api.call("GET", "/api/external/content?content_type=unknown").body,
            R"({"detail":"Invalid content_type 'unknown'. Must be one of: ['image', 'video', 'audio', 'glb', 'other']"})");
  EXPECT_EQ(api.call("GET", "/api/external/content?content_type=unknown").status, 400);
  const std::string missing = "550e8400-e29b-41d4-a716-446655440000";
  auto not_found = api.call("GET", "/api/external/content/" + missing);
  EXPECT_EQ(not_found.status, 404);
  EXPECT_EQ(not_found.body, R"({"detail":"Content not found: 550e8400-e29b-41d4-a716-446655440000"})");
  const std::string id = api.create({{"prompt", "A red kite"}});
  api.wait_for_content(id);
  auto done = api.call("POST", "/api/external/content/" + id + "/retry");
  EXPECT_EQ(done.status, 400);
  EXPECT_EQ(done.body, R"({"detail":"Cannot retry content with status 'completed'. Only failed content can be retried."})");
  // A failed item is retried with its parameters, up to three times.
  auto fail = [&] {
    server.app().store.write([&](db::Conn& c) {
      c.exec("UPDATE content_items SET status = 'failed', error_message = 'Generation failed: test' WHERE id = '" + id + "'");
    });
  };
  for (int attempt = 1; attempt <= 3; ++attempt) {
    fail();
    auto retried = api.call("POST", "/api/external/content/" + id + "/retry");
    EXPECT_EQ(retried.body, "{\"success\":true,\"message\":\"Content generation retry queued (attempt " + std::to_string(attempt) +
                                "/3)\",\"generation_id\":\"" + id + "\"}");
    EXPECT_EQ(text_of(api.wait_for_content(id).at("status")), "completed");
  }
  fail();
  auto exhausted = api.call("POST", "/api/external/content/" + id + "/retry");
  EXPECT_EQ(exhausted.status, 400);
  EXPECT_EQ(exhausted.body, R"({"detail":"Maximum retry attempts (3) reached for this content."})");
  // Scopes: none of the content scopes is a default one.
  const std::string plain = server.make_key("acme", "pro", "1", {"orchestrator:invoke", "sessions:read"});
  auto denied = http_call(server.port(), "GET", "/api/external/content", {{"X-API-Key", plain}});
  EXPECT_EQ(denied.status, 403);
  EXPECT_EQ(denied.body,
            R"({"error":"insufficient_scopes","code":"scope_not_allowed","message":"API key does not have required permissions","required_scopes":["content:read"],"missing_scopes":["content:read"],"available_scopes":["orchestrator:invoke","sessions:read"]})");
  // Bounds answer 400 naming the field; nothing is created or held.
  auto big = api.call("POST", "/api/external/content", R"({"prompt":"x","input":{"width":4096}})");
  EXPECT_EQ(big.status, 400);
  EXPECT_EQ(big.body, R"({"detail":"input.width must be an integer between 16 and 2048"})");
  EXPECT_EQ(api.call("POST", "/api/external/content", R"({"prompt":"  "})").body, R"({"detail":"prompt is required"})");
  EXPECT_EQ(api.call("POST", "/api/external/content", R"({"prompt":"x","model":"replicate/stability-ai/sdxl"})").status, 400);
  EXPECT_EQ(body_json(api.call("GET", "/api/external/content").body).at("total"), 1);
}

TEST(Content, PagingFiltersCreditsAndIsolation) {
  InProcessServer server;
  const ContentApi api{server.port(), server.make_key("acme", "pro", "0.12", kContentScopes)};
  const std::string a = api.create({{"prompt", "one"}}), b = api.create({{"prompt", "two"}, {"content_type", "other"}});
  // 0.12 credits cover two holds of 0.05, not a third: 402, nothing created.
  auto poor = api.call("POST", "/api/external/content", R"({"prompt":"three"})");
  EXPECT_EQ(poor.status, 402) << poor.body;
  api.wait_for_content(a);
  api.wait_for_content(b);
  auto page = body_json(api.call("GET", "/api/external/content?page=1&page_size=1").body);
  EXPECT_EQ(page.at("total"), 2);
  EXPECT_EQ(page.at("has_more"), true);
  EXPECT_EQ(page.at("items").as_array().size(), 1u);
  EXPECT_EQ(text_of(page.at("items").at(0).at("id")), b);  // newest first
  EXPECT_EQ(body_json(api.call("GET", "/api/external/content?page=2&page_size=1").body).at("has_more"), false);
  EXPECT_EQ(body_json(api.call("GET", "/api/external/content?content_type=other").body).at("total"), 1);
  EXPECT_EQ(body_json(api.call("GET", "/api/external/content?status=completed").body).at("total"), 2);
  EXPECT_EQ(body_json(api.call("GET", "/api/external/content?status=pending").body).at("total"), 0);
  EXPECT_EQ(api.call("GET", "/api/external/content?page_size=101").status, 400);
  EXPECT_EQ(text_of(body_json(api.call("GET", "/api/external/credits").body).at("balance")), "0.020000");
  // Another organization sees none of it, with the body of an unknown id.
  const ContentApi other{server.port(), server.make_key("other", "pro", "1", kContentScopes)};
  EXPECT_EQ(other.call("GET", "/api/external/content/" + a).body, R"({"detail":"Content not found: )" + a + R"("})");
  EXPECT_EQ(other.call("POST", "/api/external/content/" + a + "/retry").status, 404);
  EXPECT_EQ(body_json(other.call("GET", "/api/external/content").body).at("total"), 0);
}

TEST(Content, TenGenerationsQueuedBeforeASigkillAllCompleteAfterRestart) {
  TempDir dir;
  const std::string data = (dir.path / "data").string();
  std::string key;
  std::vector<std::string> ids;
  {
    ServerProcess server(data);
    key = server.bootstrap_key();
    const ContentApi api{server.port(), key};
    for (int i = 0; i < 10; ++i)
      ids.push_back(api.create({{"prompt", "Picture number " + std::to_string(i)}, {"input", {{"width", 640}, {"height", 480}}}}));
    server.kill_hard();
  }
  ServerProcess server(data);
  const ContentApi api{server.port(), key};
  for (const auto& id : ids) EXPECT_EQ(text_of(api.wait_for_content(id).at("status")), "completed") << id;
  const auto credits = body_json(api.call("GET", "/api/external/credits").body);
  EXPECT_EQ(text_of(credits.at("reserved")), "0.000000");
  EXPECT_EQ(text_of(credits.at("balance")), "99.500000");  // ten images of 0.05, each charged once
  EXPECT_EQ(body_json(api.call("GET", "/api/external/content?status=processing").body).at("total"), 0);
}

// An agent with the generate_content tool: the builtin model runs it for "generate an image of
// ..." and answers with the item's id and URL; the item is the key's organization's and user's.
TEST(Content, AChatThatAsksForAnImageCreatesAnItem) {
  InProcessServer server;
  const ContentApi api{server.port(), server.bootstrap_key()};
  auto made = api.call("POST", "/api/external/agents", R"({"name":"Artist","tools":["generate_content"]})");
  ASSERT_EQ(made.status, 200) << made.body;
  const std::string agent = text_of(body_json(made.body).at("agent_id"));
  auto chat = api.call("POST", "/api/external/v1/chat/completions",
                       json::serialize(json::object{{"model", agent}, {"messages", json::array{{{"role", "user"},
                                                                                                 {"content", "Please generate an image of a red fox in the snow"}}}}}));
  ASSERT_EQ(chat.status, 200) << chat.body;
  const std::string answer = text_of(body_json(chat.body).at("choices").at(0).at("message").at("content"));
  const auto listed = body_json(api.call("GET", "/api/external/content").body);
  ASSERT_EQ(listed.at("total"), 1);
  const std::string id = text_of(listed.at("items").at(0).at("id"));
  EXPECT_EQ(answer.rfind("I am generating an image of \"a red fox in the snow\": content " + id + ", at /storage/generation/image/", 0), 0u)
      << answer;
  const auto item = api.wait_for_content(id);
  EXPECT_EQ(text_of(item.at("status")), "completed");
  EXPECT_EQ(text_of(item.at("prompt")), "a red fox in the snow");
  EXPECT_EQ(text_of(item.at("organization_id")), "default");
  // The URL in the answer is the item's own.
  const std::string url = answer.substr(answer.find("/storage/"), answer.find(" when") - answer.find("/storage/"));
  EXPECT_EQ(url, api.storage_target(item));
  EXPECT_EQ(http_call(server.port(), "GET", url).header("Content-Type"), "image/png");
  // A video the same way; the seed's player-facing fields once it is done.
  auto video = api.call("POST", "/api/external/v1/chat/completions",
                        json::serialize(json::object{{"model", agent}, {"messages", json::array{{{"role", "user"},
                                                                                                  {"content", "Generate a video of a calm sea"}}}}}));
  EXPECT_EQ(text_of(body_json(video.body).at("choices").at(0).at("message").at("content")).rfind("I am generating a video of \"a calm sea\"", 0), 0u);
  const auto both = body_json(api.call("GET", "/api/external/content?content_type=video").body);
  ASSERT_EQ(both.at("total"), 1);
  const auto clip = api.wait_for_content(text_of(both.at("items").at(0).at("id")));
  EXPECT_EQ(http_call(server.port(), "GET", api.storage_target(clip)).header("Content-Type"), "video/mp4");
}

// A generation that keeps failing (its file cannot be stored) is retried with backoff, then
// fails for good with a reason; its hold is released, nothing is charged.
TEST(Content, AGenerationThatFailsForGoodReleasesItsHold) {
  ManualClock clock{static_cast<double>(std::time(nullptr))};
  TempDir dir;
  std::filesystem::create_directories(dir.path / "storage");
  std::ofstream(dir.path / "storage" / "generation") << "a file where the folder should be";
  InProcessServer server([&](Config& c) { c.data_dir = dir.str(); }, &clock);
  const ContentApi api{server.port(), server.make_key("acme", "pro", "1", kContentScopes)};
  const std::string id = api.create({{"prompt", "Never stored"}});
  EXPECT_EQ(text_of(body_json(api.call("GET", "/api/external/credits").body).at("reserved")), "0.050000");
  json::object item;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    item = body_json(api.call("GET", "/api/external/content/" + id).body);
    if (item.at("status") == "failed") break;
    // Past the next backoff (1, 2, 4, 8 s) while the job waits for it, never while an attempt
    // runs (which would overrun its lease).
    const bool waiting = server.app().store.read([](db::Conn& c) {
      auto& q = c.prepare("SELECT count(*) FROM jobs WHERE kind = 'content_generate' AND state = 'pending'");
      q.executeStep();
      return q.getColumn(0).getInt() > 0;
    });
    if (waiting) clock.advance(20);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_EQ(text_of(item.at("status")), "failed") << json::serialize(item);
  EXPECT_NE(text_of(item.at("error_message")).find("generation"), std::string::npos) << text_of(item.at("error_message"));
  EXPECT_TRUE(item.at("credit_cost").is_null());
  const auto credits = body_json(api.call("GET", "/api/external/credits").body);
  EXPECT_EQ(text_of(credits.at("reserved")), "0.000000");
  EXPECT_EQ(text_of(credits.at("balance")), "1.000000");
}
