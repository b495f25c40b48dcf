// Structured logging: one JSON object per line on standard error, written by a background thread
// so that the io thread never blocks on a slow terminal or pipe.
#pragma once

#include <boost/json/object.hpp>

#include <string>
#include <string_view>

namespace agentd::log {

enum class Level { debug = 0, info = 1, warn = 2, error = 3 };

void set_level(std::string_view level);
bool enabled(Level level);
// Adds "time" and "level" and queues the line.
void write(Level level, boost::json::object fields);
// The per-request line: fields plus "ms" written as a fixed-point number (0.183, not 1.83E-1).
void request(boost::json::object fields, double milliseconds);
void info(std::string_view message);
void warn(std::string_view message);
void error(std::string_view message);
// Writes whatever is queued; called at shutdown.
void flush();

}  // namespace agentd::log
