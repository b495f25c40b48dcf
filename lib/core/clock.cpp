#include "core/clock.hpp"

#include <cstdio>
#include <ctime>

namespace agentd {

double SystemClock::mono_seconds() const {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

double SystemClock::unix_seconds() const {
  using namespace std::chrono;
  return duration<double>(system_clock::now().time_since_epoch()).count();
}

SystemClock& SystemClock::instance() {
  static SystemClock clock;
  return clock;
}

std::string iso8601_unix(double unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

std::string iso8601(std::chrono::system_clock::time_point t) {
  return iso8601_unix(static_cast<double>(std::chrono::system_clock::to_time_t(t)));
}

std::string now_iso8601() { return iso8601(std::chrono::system_clock::now()); }

bool parse_iso8601(const std::string& text, double& unix_seconds) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  int consumed = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2d%n", &y, &mo, &d, &consumed) != 3 || consumed != 10)
    return false;
  std::size_t pos = 10;
  int offset_seconds = 0;
  if (pos < text.size()) {
    if (text[pos] != 'T' && text[pos] != ' ') return false;
    // Seconds may be left out: 2026-01-01T15:00Z.
    if (std::sscanf(text.c_str() + pos + 1, "%2d:%2d:%2d%n", &h, &mi, &s, &consumed) == 3 && consumed == 8) {
      pos += 9;
    } else if (s = 0, std::sscanf(text.c_str() + pos + 1, "%2d:%2d%n", &h, &mi, &consumed) == 2 && consumed == 5) {
      pos += 6;
    } else {
      return false;
    }
    if (pos < text.size() && text[pos] == '.') {
      ++pos;
      while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) ++pos;
    }
    if (pos < text.size()) {
      if (text[pos] == 'Z' && pos + 1 == text.size()) {
      } else if ((text[pos] == '+' || text[pos] == '-') && text.size() == pos + 6 && text[pos + 3] == ':') {
        int oh = 0, om = 0;
        if (std::sscanf(text.c_str() + pos + 1, "%2d:%2d", &oh, &om) != 2) return false;
        offset_seconds = (text[pos] == '+' ? 1 : -1) * (oh * 3600 + om * 60);
      } else {
        return false;
      }
    }
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return false;
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  unix_seconds = static_cast<double>(timegm(&tm)) - offset_seconds;
  return true;
}

}  // namespace agentd
