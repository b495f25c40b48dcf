// Verb + path pattern -> route. Patterns are '/'-separated segments, literal or {param};
// a literal segment beats a parameter. A path that matches some route with another verb is 405.
#pragma once

#include "http/types.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace agentd::http {

struct RouteMatch {
  const Route* route = nullptr;                                   // null: 404 or 405
  std::vector<std::pair<std::string, std::string>> params;        // percent-decoded
  std::vector<bhttp::verb> allowed;                               // non-empty: 405
};

class Router {
 public:
  void add(Route route);
  RouteMatch match(bhttp::verb method, std::string_view path) const;
  const std::vector<std::unique_ptr<Route>>& routes() const { return routes_; }

 private:
  struct Compiled {
    const Route* route;
    std::vector<std::string> segments;  // "{x}" marks a parameter
    int literals;
  };
  std::vector<std::unique_ptr<Route>> routes_;
  std::vector<Compiled> compiled_;
};

// Which dialect owns a path that matched no route (for the shape of its 404).
Dialect dialect_for_path(std::string_view path);
std::vector<std::string_view> split_path(std::string_view path);
std::string percent_decode(std::string_view s);

}  // namespace agentd::http
