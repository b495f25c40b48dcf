// Paging requests of the four styles (API.md 1.6), read from the query with 400s naming the
// parameter; each dialect's descriptor says which style its lists use and shapes the page.
#pragma once

#include <cstdint>
#include <string_view>

namespace agentd::access { struct Call; }

namespace agentd::api {

// A page by number (External sessions and content, the Agents API, the Workspace API).
struct PageRequest {
  std::int64_t page = 1;
  std::int64_t size = 20;
  std::int64_t offset() const { return (page - 1) * size; }
};
struct PageStyle {
  std::string_view page_param = "page";
  std::string_view size_param = "page_size";
  int default_size = 20;
  int max_size = 100;
};
PageRequest read_page(const access::Call& call, const PageStyle& style);
std::int64_t page_count(std::int64_t total, std::int64_t size);

// A window by offset (External uploads and the credits ledger).
struct OffsetRequest {
  int limit = 50;
  int offset = 0;
};
OffsetRequest read_offset(const access::Call& call, int default_limit = 50, int max_limit = 100);

// An integer query parameter in [min, max], `fallback` when absent; otherwise 400
// invalid_parameter naming it.
int int_param(const access::Call& call, std::string_view name, int fallback, int min, int max);

}  // namespace agentd::api
