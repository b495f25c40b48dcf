#include "core/json_text.hpp"

#include <boost/json/serialize.hpp>

#include <charconv>
#include <cmath>

namespace agentd {
namespace json = boost::json;
namespace {

bool has_double(const json::value& v) {
  switch (v.kind()) {
    case json::kind::double_: return true;
    case json::kind::array:
      for (const auto& x : v.get_array())
        if (has_double(x)) return true;
      return false;
    case json::kind::object:
      for (const auto& kv : v.get_object())
        if (has_double(kv.value())) return true;
      return false;
    default: return false;
  }
}

void write_double(std::string& out, double d) {
  if (!std::isfinite(d)) {
    out += "null";  // JSON has no NaN or infinity (Boost.JSON writes 1e99999 for them)
    return;
  }
  // Plain decimals for the magnitudes money, scores and durations take; beyond them the
  // exponent form is the readable one (and valid JSON either way).
  char buf[400];
  const bool plain = d == 0 || (std::fabs(d) >= 1e-9 && std::fabs(d) < 1e21);
  auto r = plain ? std::to_chars(buf, buf + sizeof buf, d, std::chars_format::fixed) : std::to_chars(buf, buf + sizeof buf, d);
  out.append(buf, r.ptr);
}

void write(std::string& out, const json::value& v) {
  switch (v.kind()) {
    case json::kind::double_: write_double(out, v.get_double()); return;
    case json::kind::array: {
      out += '[';
      bool first = true;
      for (const auto& x : v.get_array()) {
        if (!first) out += ',';
        first = false;
        write(out, x);
      }
      out += ']';
      return;
    }
    case json::kind::object: {
      out += '{';
      bool first = true;
      for (const auto& kv : v.get_object()) {
        if (!first) out += ',';
        first = false;
        out += json::serialize(json::string_view(kv.key()));
        out += ':';
        write(out, kv.value());
      }
      out += '}';
      return;
    }
    default: out += json::serialize(v);
  }
}

}  // namespace

std::string json_text(const json::value& value) {
  if (!has_double(value)) return json::serialize(value);
  std::string out;
  write(out, value);
  return out;
}

}  // namespace agentd
