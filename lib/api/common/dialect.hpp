// A dialect: one public API that agentd speaks. Its descriptor says everything that differs
// between dialects; everything else (routing, the access gate, the kit) is shared. Each
// dialect's folder lib/api/<name>/ defines one descriptor and its adapters.
#pragma once

#include "api/common/paging.hpp"
#include "api/common/route.hpp"
#include "core/errors.hpp"

#include <boost/json/object.hpp>

#include <memory>
#include <string>
#include <vector>

namespace agentd::api {

struct RenderedError {
  unsigned status = 500;
  boost::json::object body;
};

struct Dialect {
  std::string name;
  // Paths it owns: an unmatched path under one of them is answered in this dialect's shape
  // (the longest prefix wins; "/" is the fallback for paths no dialect claims).
  std::vector<std::string> prefixes;
  access::AccessPolicy access;
  // Sent with a 401 for missing credentials; empty: none.
  std::string www_authenticate;
  // The error table: status and body for every domain error.
  RenderedError (*render)(const AppError& error) = nullptr;
  // A stream's error event, after the head went out (the text after "data: ").
  boost::json::object (*stream_error)(const AppError& error) = nullptr;
  // How its lists shape a page. `items_key` names the list ("sessions", "agents") where the dialect names lists.
  boost::json::object (*shape_page)(const RequestContext& ctx, boost::json::array items, std::string_view items_key,
                                    const PageRequest& page, std::int64_t total) = nullptr;
  // Its paging parameters: lists read them with read_page(ctx, ctx.dialect().paging), and
  // /openapi.json documents them.
  PageStyle paging{};
  // Its name and what it holds, in the API reference.
  std::string title{};
  std::string about{};
  // The JSON Schema of every error body its table writes (/openapi.json).
  boost::json::object error_schema{};
};

// The registered dialects, and which one owns a path (the longest prefix; the first registered
// when none does).
class DialectTable {
 public:
  const Dialect& add(Dialect dialect);
  const Dialect& owner(std::string_view path) const;

 private:
  std::vector<std::unique_ptr<Dialect>> dialects_;
};

// The dialect's rendering plus what every dialect adds: WWW-Authenticate, Retry-After.
http::Response render_error(const Dialect& dialect, const AppError& error);

}  // namespace agentd::api
