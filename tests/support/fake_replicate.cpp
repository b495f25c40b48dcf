#include "fake_replicate.hpp"

#include <boost/json.hpp>

namespace agentd::testing {
namespace json = boost::json;

FakeReplicate::FakeReplicate(std::string output)
    : output_(std::move(output)), server_([this](const FakeRequest& r, int) { return answer(r); }) {}

std::vector<FakeRequest> FakeReplicate::creates() const {
  std::lock_guard lock(mutex_);
  return creates_;
}

int FakeReplicate::reads() const {
  std::lock_guard lock(mutex_);
  return reads_;
}

std::vector<std::string> FakeReplicate::canceled() const {
  std::lock_guard lock(mutex_);
  return canceled_;
}

FakeReply FakeReplicate::answer(const FakeRequest& r) {
  std::lock_guard lock(mutex_);
  auto prediction_json = [this](const std::string& id, const State& st) {
    json::object o{{"id", id},
                   {"version", st.version},
                   {"status", st.status},
                   {"input", st.input},
                   {"output", nullptr},
                   {"error", nullptr},
                   {"urls", {{"get", base_url() + "/v1/predictions/" + id}, {"cancel", base_url() + "/v1/predictions/" + id + "/cancel"}}}};
    if (st.status == "succeeded") o["output"] = json::array{json::value(base_url() + "/files/" + id + ".png")};
    if (st.status == "failed") o["error"] = "NSFW content detected";
    return FakeReply{.body = json::serialize(o)};
  };
  const std::string& t = r.target;
  if (r.authorization != "Bearer r8_test_token") return {.status = 401, .body = R"({"title":"Unauthenticated","detail":"You did not pass a valid authentication token","status":401})"};
  if (r.method == "POST" && (t == "/v1/predictions" || (t.rfind("/v1/models/", 0) == 0 && t.size() > 12 && t.ends_with("/predictions")))) {
    creates_.push_back(r);
    std::string behaviour;
    if (t == "/v1/predictions") {
      const auto* v = r.json.if_contains("version");
      behaviour = v && v->is_string() ? std::string(v->as_string()) : "";
    } else {
      const std::string model = t.substr(11, t.size() - 11 - 12);  // OWNER/NAME
      behaviour = model.substr(model.find('/') + 1);
    }
    if (behaviour == "flaky" && !failed_once_) {
      failed_once_ = true;
      return {.status = 503, .body = R"({"detail":"Service temporarily unavailable"})"};
    }
    if (behaviour != "ok" && behaviour != "fails" && behaviour != "flaky" && behaviour != "hangs")
      return {.status = 404, .body = R"({"title":"Not found","detail":"The requested resource could not be found.","status":404})"};
    const std::string id = "pred" + std::to_string(predictions_.size() + 1);
    State st{behaviour};
    // A version asked for is the prediction's; a model's route runs its latest.
    st.version = t == "/v1/predictions" ? behaviour : "5c7d5dc6dd8bf75c1acaa8565735e7986bc5b66206b55cca93cb72c9bf15ccaa";
    if (const auto* in = r.json.if_contains("input"); in && in->is_object()) st.input = in->as_object();
    if (behaviour == "flaky" && !r.prefer.empty()) st.status = "succeeded";
    auto reply = prediction_json(id, st);
    reply.status = 201;
    predictions_[id] = st;
    return reply;
  }
  constexpr std::string_view prefix = "/v1/predictions/";
  if (t.rfind(prefix, 0) == 0) {
    std::string id = t.substr(prefix.size());
    const bool cancel = id.ends_with("/cancel");
    if (cancel) id.resize(id.size() - 7);
    auto it = predictions_.find(id);
    if (it == predictions_.end()) return {.status = 404, .body = R"({"detail":"Not found."})"};
    State& st = it->second;
    if (cancel && r.method == "POST") {
      canceled_.push_back(id);
      st.status = "canceled";
      return prediction_json(id, st);
    }
    ++reads_;
    if (st.behaviour == "hangs") return {.hang = true};
    if (st.status == "starting" || st.status == "processing") {
      ++st.reads;
      st.status = st.reads < 2 ? "processing" : st.behaviour == "fails" ? "failed" : "succeeded";
    }
    return prediction_json(id, st);
  }
  if (r.method == "GET" && t.rfind("/files/", 0) == 0) return {.body = output_, .content_type = "image/png"};
  return {.status = 404, .body = R"({"detail":"Not found."})"};
}

}  // namespace agentd::testing
