// The Replicate provider (API.md 3.5) against a fake Replicate on loopback: a prediction by
// model and by version followed to its end and its output stored and served; a failed
// prediction, a refused token, a 503 then success, a prediction that never finishes
// (canceled at the deadline); credits charged or released; the 400s before anything is held.
#include "content_api.hpp"
#include "content/builtin_generators.hpp"
#include "fake_replicate.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

using namespace agentd;
using namespace agentd::testing;
namespace json = boost::json;

namespace {

std::string png_bytes() { return content::generate_builtin("image", "fake replicate output", content::builtin_input("image", {})).bytes; }

std::function<void(Config&)> with_replicate(const FakeReplicate& fake, std::string token = "r8_test_token") {
  return [url = fake.base_url(), token](Config& c) {
    auto& r = c.content.replicate;
    r.base_url = url;
    r.api_token = token;
    r.wait_seconds = 1;
    r.poll_interval_ms = 20;
    r.read_timeout_ms = 1500;
    r.timeout_seconds = 2;
    r.retry_backoff_ms = 10;
  };
}

}  // namespace

TEST(Replicate, PredictionsByModelAndByVersionAreFollowedAndStored) {
  const std::string output = png_bytes();
  FakeReplicate fake(output);
  InProcessServer server(with_replicate(fake));
  const ContentApi api{server.port(), server.make_key("acme", "pro", "1", kContentScopes)};

  const auto item = api.wait_for_content(api.create(
      {{"prompt", "a lighthouse in fog"}, {"content_type", "image"}, {"model", "replicate/test/ok"}, {"input", {{"width", 768}}}}));
  ASSERT_EQ(text_of(item.at("status")), "completed") << json::serialize(item);
  EXPECT_EQ(text_of(item.at("replicate_prediction_id")), "pred1");
  EXPECT_EQ(text_of(item.at("replicate_version")), "5c7d5dc6dd8bf75c1acaa8565735e7986bc5b66206b55cca93cb72c9bf15ccaa");
  EXPECT_EQ(json::serialize(item.at("replicate_input")), R"({"width":768,"prompt":"a lighthouse in fog"})");
  EXPECT_EQ(text_of(item.at("output_url")), fake.base_url() + "/files/pred1.png");
  EXPECT_EQ(item.at("credit_cost").as_double(), 0.05);
  // Written as the seed writes it, not as 5E-2.
  EXPECT_NE(api.call("GET", "/api/external/content/" + text_of(item.at("id"))).body.find(R"("credit_cost":0.05,)"), std::string::npos);
  EXPECT_TRUE(text_of(item.at("storage_path")).ends_with(".png"));
  EXPECT_TRUE(item.at("error_message").is_null());
  const auto served = http_call(server.port(), "GET", api.storage_target(item));
  EXPECT_EQ(served.status, 200);
  EXPECT_EQ(served.header("Content-Type"), "image/png");
  EXPECT_EQ(served.body, output);

  // What Replicate received: the model's route, the token, Prefer: wait, the prompt in the input.
  auto creates = fake.creates();
  ASSERT_EQ(creates.size(), 1u);
  EXPECT_EQ(creates[0].target, "/v1/models/test/ok/predictions");
  EXPECT_EQ(creates[0].prefer, "wait=1");
  EXPECT_EQ(json::serialize(creates[0].json), R"({"input":{"width":768,"prompt":"a lighthouse in fog"}})");
  EXPECT_GE(fake.reads(), 2);

  // By version: POST /v1/predictions {version, input}; the version is known from the start.
  const std::string id = api.create({{"prompt", "a red fox"}, {"content_type", "image"}, {"model", "replicate/test/any:ok"}});
  EXPECT_EQ(text_of(body_json(api.call("GET", "/api/external/content/" + id).body).at("replicate_version")), "ok");
  EXPECT_EQ(text_of(api.wait_for_content(id).at("status")), "completed");
  creates = fake.creates();
  ASSERT_EQ(creates.size(), 2u);
  EXPECT_EQ(creates[1].target, "/v1/predictions");
  EXPECT_EQ(json::serialize(creates[1].json), R"({"input":{"prompt":"a red fox"},"version":"ok"})");
  const auto credits = body_json(api.call("GET", "/api/external/credits").body);
  EXPECT_EQ(text_of(credits.at("balance")), "0.900000");
  EXPECT_EQ(text_of(credits.at("reserved")), "0.000000");
}

TEST(Replicate, AFailedPredictionOrARefusedTokenFailsTheItemAndReleasesItsHold) {
  FakeReplicate fake(png_bytes());
  InProcessServer server(with_replicate(fake));
  const ContentApi api{server.port(), server.make_key("acme", "pro", "1", kContentScopes)};
  const auto failed = api.wait_for_content(api.create({{"prompt", "something"}, {"model", "replicate/test/fails"}}));
  EXPECT_EQ(text_of(failed.at("status")), "failed");
  EXPECT_EQ(text_of(failed.at("error_message")), "Replicate prediction pred1 failed: NSFW content detected");
  EXPECT_TRUE(failed.at("credit_cost").is_null());
  EXPECT_TRUE(failed.at("storage_url").is_null());
  const auto credits = body_json(api.call("GET", "/api/external/credits").body);
  EXPECT_EQ(text_of(credits.at("balance")), "1.000000");
  EXPECT_EQ(text_of(credits.at("reserved")), "0.000000");
  // The user's retry asks Replicate again, for a new prediction.
  EXPECT_EQ(api.call("POST", "/api/external/content/" + text_of(failed.at("id")) + "/retry").status, 200);
  EXPECT_EQ(text_of(api.wait_for_content(text_of(failed.at("id"))).at("replicate_prediction_id")), "pred2");
  EXPECT_EQ(fake.creates().size(), 2u);

  // A model Replicate does not know is its refusal, said as such.
  const auto unknown = api.wait_for_content(api.create({{"prompt", "x"}, {"model", "replicate/test/nonexistent"}}));
  EXPECT_EQ(text_of(unknown.at("error_message")),
            "Replicate refused to create the prediction (HTTP 404): The requested resource could not be found.");

  FakeReplicate other(png_bytes());
  InProcessServer misconfigured(with_replicate(other, "r8_wrong"));
  const ContentApi api2{misconfigured.port(), misconfigured.make_key("acme", "pro", "1", kContentScopes)};
  const auto refused = api2.wait_for_content(api2.create({{"prompt", "x"}, {"model", "replicate/test/ok"}}));
  EXPECT_EQ(text_of(refused.at("error_message")),
            "Replicate refused to create the prediction (HTTP 401): You did not pass a valid authentication token");
  EXPECT_EQ(text_of(body_json(api2.call("GET", "/api/external/credits").body).at("reserved")), "0.000000");
}

TEST(Replicate, A503IsRetriedAndAPredictionThatNeverEndsIsCanceledAtTheDeadline) {
  FakeReplicate fake(png_bytes());
  InProcessServer server(with_replicate(fake));
  const ContentApi api{server.port(), server.make_key("acme", "pro", "1", kContentScopes)};
  const auto flaky = api.wait_for_content(api.create({{"prompt", "a boat"}, {"model", "replicate/test/flaky"}}));
  EXPECT_EQ(text_of(flaky.at("status")), "completed") << json::serialize(flaky);
  EXPECT_EQ(fake.creates().size(), 2u);  // the 503, then the prediction (succeeded at once: Prefer: wait)

  const auto hung = api.wait_for_content(api.create({{"prompt", "a storm"}, {"model", "replicate/test/hangs"}}));
  EXPECT_EQ(text_of(hung.at("status")), "failed");
  const std::string prediction = text_of(hung.at("replicate_prediction_id"));
  EXPECT_EQ(text_of(hung.at("error_message")), "Replicate prediction " + prediction + " did not finish within 2 seconds and was canceled");
  EXPECT_EQ(fake.canceled(), std::vector<std::string>{prediction});
  EXPECT_EQ(text_of(body_json(api.call("GET", "/api/external/credits").body).at("reserved")), "0.000000");
}

TEST(Replicate, BadModelsAnswer400AndHoldNothing) {
  InProcessServer unconfigured;
  const ContentApi plain{unconfigured.port(), unconfigured.make_key("acme", "pro", "1", kContentScopes)};
  auto r = plain.call("POST", "/api/external/content", R"({"prompt":"x","model":"replicate/stability-ai/sdxl"})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, R"({"detail":"Model 'replicate/stability-ai/sdxl' needs the Replicate provider, which is not configured on this server"})");

  FakeReplicate fake(png_bytes());
  InProcessServer server(with_replicate(fake));
  const ContentApi api{server.port(), server.make_key("acme", "pro", "1", kContentScopes)};
  r = api.call("POST", "/api/external/content", R"({"prompt":"x","model":"replicate/sdxl"})");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.body, R"({"detail":"Invalid model 'replicate/sdxl': a Replicate model is replicate/OWNER/NAME or replicate/OWNER/NAME:VERSION"})");
  r = api.call("POST", "/api/external/content", R"({"prompt":"x","model":"openai/dall-e"})");
  EXPECT_EQ(r.body, R"({"detail":"Invalid model 'openai/dall-e' for content_type 'image': use builtin/image or replicate/OWNER/NAME"})");
  r = api.call("POST", "/api/external/content",
               json::serialize(json::object{{"prompt", "x"}, {"model", "replicate/test/ok"}, {"input", {{"blob", std::string(20000, 'a')}}}}));
  EXPECT_EQ(r.body, R"({"detail":"input is larger than 16384 bytes"})");
  EXPECT_EQ(text_of(body_json(api.call("GET", "/api/external/content").body).at("total")), "0");
  EXPECT_TRUE(fake.creates().empty());
}

TEST(Replicate, AJobResumedAfterARestartReadsItsPredictionInsteadOfCreatingAnother) {
  FakeReplicate fake(png_bytes());
  TempDir data;
  std::string key, id;
  {
    // Stopped while its job waits to poll the prediction it created.
    InProcessServer first([&](Config& c) {
      with_replicate(fake)(c);
      c.data_dir = data.str();
      c.content.replicate.poll_interval_ms = 600'000;
    });
    key = first.make_key("acme", "pro", "1", kContentScopes);
    const ContentApi api{first.port(), key};
    id = api.create({{"prompt", "a bridge"}, {"model", "replicate/test/ok"}});
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (body_json(api.call("GET", "/api/external/content/" + id).body).at("replicate_prediction_id").is_null() &&
           std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(fake.creates().size(), 1u);
  InProcessServer second([&](Config& c) {
    with_replicate(fake)(c);
    c.data_dir = data.str();
  });
  const auto item = ContentApi{second.port(), key}.wait_for_content(id);
  EXPECT_EQ(text_of(item.at("status")), "completed") << json::serialize(item);
  EXPECT_EQ(text_of(item.at("replicate_prediction_id")), "pred1");
  EXPECT_EQ(fake.creates().size(), 1u);
}
