#include "core/config.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

using namespace agentd;

namespace {

std::string write_file(const std::string& name, const std::string& text) {
  const auto path = std::filesystem::temp_directory_path() / (name + "-" + std::to_string(::getpid()) + ".json");
  std::ofstream(path) << text;
  return path.string();
}

}  // namespace

TEST(Config, DefaultsMatchTheContract) {
  Config c = load_config("");
  EXPECT_EQ(c.listen, "127.0.0.1:8080");
  EXPECT_EQ(c.data_dir, "./data");
  EXPECT_EQ(c.plans.at("free").rpm, 20);
  EXPECT_FALSE(c.plans.at("free").external_api);
  EXPECT_EQ(c.plans.at("basic").rph, 1000);
  EXPECT_EQ(c.plans.at("pro").concurrency, 20);
  EXPECT_EQ(c.prices.completion_base, 2'000);
  EXPECT_EQ(c.prices.content.at("video"), 500'000);
  EXPECT_EQ(c.http.header_limit, 16u * 1024);
  EXPECT_EQ(c.http.upload_body_limit, 150u * 1024 * 1024);
}

TEST(Config, FileOverridesDefaultsAndEnvironmentOverridesTheFile) {
  const auto path = write_file("agentd-config",
                               R"({"listen":"0.0.0.0:9000","plans":{"basic":{"rpm":120}},
                                   "prices":{"completion_base":"0.01","content":{"image":"0.2"}},
                                   "http":{"idle_timeout_ms":5000}})");
  Config c = load_config(path);
  EXPECT_EQ(c.listen, "0.0.0.0:9000");
  EXPECT_EQ(c.plans.at("basic").rpm, 120);
  EXPECT_EQ(c.plans.at("basic").rph, 1000);
  EXPECT_EQ(c.prices.completion_base, 10'000);
  EXPECT_EQ(c.prices.content.at("image"), 200'000);
  EXPECT_EQ(c.http.idle_timeout_ms, 5000);
  ::setenv("AGENTD_LISTEN", "127.0.0.1:7000", 1);
  apply_environment(c);
  ::unsetenv("AGENTD_LISTEN");
  EXPECT_EQ(c.listen, "127.0.0.1:7000");
  std::filesystem::remove(path);
}

TEST(Config, TheReplicateProviderFromTheFileItsTokenFromTheEnvironment) {
  const auto path = write_file("agentd-config", R"({"content":{"replicate":{"base_url":"http://127.0.0.1:9","poll_interval_ms":250,"wait_seconds":90}}})");
  Config c = load_config(path);
  EXPECT_EQ(c.content.replicate.base_url, "http://127.0.0.1:9");
  EXPECT_EQ(c.content.replicate.poll_interval_ms, 250);
  EXPECT_EQ(c.content.replicate.wait_seconds, 60);  // Replicate waits at most 60 s
  EXPECT_EQ(c.content.replicate.api_token, "");
  ::setenv("AGENTD_REPLICATE_API_TOKEN", "r8_env", 1);
  apply_environment(c);
  ::unsetenv("AGENTD_REPLICATE_API_TOKEN");
  EXPECT_EQ(c.content.replicate.api_token, "r8_env");
  EXPECT_EQ(load_config("").content.replicate.base_url, "https://api.replicate.com");
  std::filesystem::remove(path);
}

TEST(Config, MistakesAreErrorsThatNameThem) {
  auto expect_error = [](const std::string& text, const std::string& needle) {
    const auto path = write_file("agentd-bad", text);
    try {
      load_config(path);
      ADD_FAILURE() << "accepted: " << text;
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
    std::filesystem::remove(path);
  };
  expect_error(R"({"listne":"x"})", "listne");
  expect_error(R"({"plans":{"gold":{}}})", "gold");
  expect_error(R"({"plans":{"pro":{"rpm":-1}}})", "rpm");
  expect_error(R"({"prices":{"completion_base":0.002}})", "completion_base");
  expect_error("not json", "not a JSON object");
  expect_error(R"({"content":{"replicate":{"token":"x"}}})", "token");
  expect_error(R"({"content":{"replicate":{"api_token":5}}})", "content.replicate.api_token");
  EXPECT_THROW(load_config("/nonexistent/agentd.json"), std::runtime_error);
}
