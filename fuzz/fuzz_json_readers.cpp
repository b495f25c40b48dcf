// The JSON request readers: the kit's typed field reader and the Agents API's agent body, on any
// bytes. Bad input must be an AppError (a 400), never a crash or another exception.
#include "api/agents_v1/agent_json.hpp"
#include "api/common/json_body.hpp"

#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace agentd;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  try {
    const auto body = api::JsonBody::parse(in);
    for (const auto& kv : body.object()) {
      const std::string_view key = kv.key();
      try { (void)body.string(key); } catch (const AppError&) {}
      try { (void)body.integer(key, -5, 5); } catch (const AppError&) {}
      try { (void)body.number(key, 0, 1); } catch (const AppError&) {}
      try { (void)body.strings(key); } catch (const AppError&) {}
      try { (void)body.object(key); } catch (const AppError&) {}
    }
    agents::Agent current;
    current.model = "openai/gpt-4o";
    (void)api::agents_v1::parse_agent(body, nullptr, 0);
    (void)api::agents_v1::parse_agent(body, &current, 0);
  } catch (const AppError&) {
  }
  return 0;
}
