#include "http/router.hpp"

#include <algorithm>

namespace agentd::http {

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    std::size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    out.push_back(path.substr(i, j - i));
    i = j;
  }
  return out;
}

std::string percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

namespace {
bool is_param(std::string_view seg) { return seg.size() >= 2 && seg.front() == '{' && seg.back() == '}'; }
}  // namespace

void PatternTable::add(std::size_t index, bhttp::verb method, std::string_view pattern) {
  Compiled c{index, method, {}, 0};
  for (auto seg : split_path(pattern)) {
    c.segments.emplace_back(seg);
    if (!is_param(seg)) ++c.literals;
  }
  compiled_.push_back(std::move(c));
  // Most literal segments first, so that /agents/models wins over /agents/{id}.
  std::stable_sort(compiled_.begin(), compiled_.end(),
                   [](const Compiled& a, const Compiled& b) { return a.literals > b.literals; });
}

PatternTable::Match PatternTable::match(bhttp::verb method, std::string_view path) const {
  const auto segments = split_path(path);
  Match m;
  for (const auto& c : compiled_) {
    if (c.segments.size() != segments.size()) continue;
    bool ok = true;
    for (std::size_t i = 0; ok && i < segments.size(); ++i) ok = is_param(c.segments[i]) || c.segments[i] == segments[i];
    if (!ok) continue;
    if (c.method != method) {
      if (std::find(m.allowed.begin(), m.allowed.end(), c.method) == m.allowed.end()) m.allowed.push_back(c.method);
      continue;
    }
    if (m.index == npos) {
      m.index = c.index;
      for (std::size_t i = 0; i < segments.size(); ++i)
        if (is_param(c.segments[i]))
          m.params.emplace_back(c.segments[i].substr(1, c.segments[i].size() - 2), percent_decode(segments[i]));
    }
  }
  if (m.index != npos) m.allowed.clear();
  return m;
}

}  // namespace agentd::http
