// Verb + path pattern -> route. Patterns are '/'-separated segments, literal or {param};
// a literal segment beats a parameter. A path that matches some route with another verb is 405.
// The route type is the caller's (any R with `method` and `pattern`).
#pragma once

#include "http/types.hpp"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace agentd::http {

std::vector<std::string_view> split_path(std::string_view path);
std::string percent_decode(std::string_view s);

// The matching itself, over route indexes.
class PatternTable {
 public:
  struct Match {
    std::size_t index = npos;       // npos: 404 or 405
    PathParams params;
    std::vector<bhttp::verb> allowed;  // non-empty: 405
  };
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);

  void add(std::size_t index, bhttp::verb method, std::string_view pattern);
  Match match(bhttp::verb method, std::string_view path) const;

 private:
  struct Compiled {
    std::size_t index;
    bhttp::verb method;
    std::vector<std::string> segments;  // "{x}" marks a parameter
    int literals;
  };
  std::vector<Compiled> compiled_;
};

template <class R>
class Router {
 public:
  struct Match {
    const R* route = nullptr;
    PathParams params;
    std::vector<bhttp::verb> allowed;
  };

  const R& add(R route) {
    routes_.push_back(std::make_unique<R>(std::move(route)));
    table_.add(routes_.size() - 1, routes_.back()->method, routes_.back()->pattern);
    return *routes_.back();
  }
  Match match(bhttp::verb method, std::string_view path) const {
    auto m = table_.match(method, path);
    return {m.index == PatternTable::npos ? nullptr : routes_[m.index].get(), std::move(m.params), std::move(m.allowed)};
  }
  const std::vector<std::unique_ptr<R>>& routes() const { return routes_; }

 private:
  std::vector<std::unique_ptr<R>> routes_;
  PatternTable table_;
};

}  // namespace agentd::http
