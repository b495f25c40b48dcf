#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace agentd::knowledge {

// Strict standard base64 (whitespace ignored). On failure `error` is "Invalid character" or
// "Invalid padding", the wording of the seed's invalid_base64 message.
std::optional<std::string> decode_base64(std::string_view in, std::string& error);
std::string encode_base64(std::string_view in);

}  // namespace agentd::knowledge
