// Random identifiers and secrets, all from OpenSSL's CSPRNG.
#pragma once

#include <string>

namespace agentd {

std::string random_hex(std::size_t chars);
std::string random_base62(std::size_t chars);
std::string uuid_v4();
// Lower-case ASCII slug of a display name: "Company Policies" -> "company-policies".
std::string slugify(const std::string& name);

}  // namespace agentd
