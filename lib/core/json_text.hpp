// JSON text as clients expect to read it: Boost.JSON writes doubles in scientific notation
// (0.05 as "5E-2"); here a double is written in the shortest plain decimal that reads back as
// the same value (0.05, 12.5, 0.000001), and everything else as Boost.JSON writes it.
#pragma once

#include <boost/json/value.hpp>

#include <string>

namespace agentd {

std::string json_text(const boost::json::value& value);

}  // namespace agentd
