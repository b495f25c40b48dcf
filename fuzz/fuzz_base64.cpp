// Base64 decoding of uploads: never crashes, and what decodes encodes back to the same bytes.
#include "knowledge/base64.hpp"

#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  std::string error;
  auto decoded = agentd::knowledge::decode_base64(in, error);
  if (!decoded) {
    if (error.empty()) __builtin_trap();
    return 0;
  }
  std::string again_error;
  auto again = agentd::knowledge::decode_base64(agentd::knowledge::encode_base64(*decoded), again_error);
  if (!again || *again != *decoded) __builtin_trap();
  return 0;
}
