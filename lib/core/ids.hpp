// Random identifiers and secrets, all from OpenSSL's CSPRNG.
#pragma once

#include <string>

namespace agentd {

std::string random_hex(std::size_t chars);
std::string random_base62(std::size_t chars);
std::string uuid_v4();
// 16 hex characters, unique within the process (a random start plus a counter): for request
// ids, which need to be distinct, not secret.
std::string request_id();
// Lower-case ASCII slug of a display name: "Company Policies" -> "company-policies".
std::string slugify(const std::string& name);

}  // namespace agentd
