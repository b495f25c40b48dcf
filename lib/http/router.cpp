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

void Router::add(Route route) {
  routes_.push_back(std::make_unique<Route>(std::move(route)));
  const Route* r = routes_.back().get();
  Compiled c{r, {}, 0};
  for (auto seg : split_path(r->pattern)) {
    c.segments.emplace_back(seg);
    if (!(seg.size() >= 2 && seg.front() == '{' && seg.back() == '}')) ++c.literals;
  }
  compiled_.push_back(std::move(c));
  // Most literal segments first, so that /agents/models wins over /agents/{id}.
  std::stable_sort(compiled_.begin(), compiled_.end(),
                   [](const Compiled& a, const Compiled& b) { return a.literals > b.literals; });
}

RouteMatch Router::match(bhttp::verb method, std::string_view path) const {
  const auto segments = split_path(path);
  RouteMatch m;
  for (const auto& c : compiled_) {
    if (c.segments.size() != segments.size()) continue;
    bool ok = true;
    for (std::size_t i = 0; ok && i < segments.size(); ++i) {
      const auto& p = c.segments[i];
      const bool is_param = p.size() >= 2 && p.front() == '{' && p.back() == '}';
      ok = is_param || p == segments[i];
    }
    if (!ok) continue;
    if (c.route->method != method) {
      if (std::find(m.allowed.begin(), m.allowed.end(), c.route->method) == m.allowed.end())
        m.allowed.push_back(c.route->method);
      continue;
    }
    if (!m.route) {
      m.route = c.route;
      for (std::size_t i = 0; i < segments.size(); ++i) {
        const auto& p = c.segments[i];
        if (p.size() >= 2 && p.front() == '{' && p.back() == '}')
          m.params.emplace_back(p.substr(1, p.size() - 2), percent_decode(segments[i]));
      }
    }
  }
  if (m.route) m.allowed.clear();
  return m;
}

Dialect dialect_for_path(std::string_view path) {
  auto starts = [&](std::string_view p) { return path.substr(0, p.size()) == p; };
  if (starts("/api/external")) return Dialect::external;
  if (starts("/api/v1")) return Dialect::workspace;
  if (starts("/v1/chat/") || starts("/v1/models")) return Dialect::external;
  if (starts("/v1")) return Dialect::agents;
  return Dialect::external;
}

}  // namespace agentd::http
