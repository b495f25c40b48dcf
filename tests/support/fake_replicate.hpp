// A small Replicate on loopback (its predictions API as the Replicate client uses it): POST
// /v1/predictions {version, input} and /v1/models/OWNER/NAME/predictions {input} create a
// prediction; GET /v1/predictions/ID reads it (starting, then processing, then its end);
// POST /v1/predictions/ID/cancel cancels it; GET /files/ID.png serves its output. The model's
// name (or the version's text) picks how it behaves:
//   ok      succeeds on the third read, one PNG output
//   fails   ends failed with error "NSFW content detected"
//   flaky   the first create of all answers 503; with Prefer: wait it is succeeded at once
//   hangs   reads are never answered (the client's deadline must end it)
#pragma once

#include "fake_openai.hpp"

#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace agentd::testing {

class FakeReplicate {
 public:
  // `output`: the bytes every prediction's output file holds.
  explicit FakeReplicate(std::string output);
  std::string base_url() const { return server_.origin(); }

  std::vector<FakeRequest> creates() const;  // every create, with its headers and body
  int reads() const;
  std::vector<std::string> canceled() const;

 private:
  FakeReply answer(const FakeRequest& request);

  std::string output_;
  mutable std::mutex mutex_;
  struct State {
    std::string behaviour, status = "starting", version;
    int reads = 0;
    boost::json::object input;
  };
  std::map<std::string, State> predictions_;
  std::vector<FakeRequest> creates_;
  std::vector<std::string> canceled_;
  int reads_ = 0;
  bool failed_once_ = false;
  FakeOpenAI server_;  // last: it calls answer() until it is gone
};

}  // namespace agentd::testing
