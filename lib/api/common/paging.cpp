#include "api/common/paging.hpp"

#include "access/gate.hpp"
#include "core/errors.hpp"

#include <charconv>

namespace agentd::api {

int int_param(const access::Call& call, std::string_view name, int fallback, int min, int max) {
  auto raw = call.query(name);
  if (!raw) return fallback;
  int value = 0;
  auto [ptr, ec] = std::from_chars(raw->data(), raw->data() + raw->size(), value);
  if (ec != std::errc{} || ptr != raw->data() + raw->size() || value < min || value > max)
    throw invalid_field(std::string(name), "between", {{"min", min}, {"max", max}},
                        std::string(name) + " must be an integer between " + std::to_string(min) + " and " +
                            std::to_string(max),
                        "invalid_parameter");
  return value;
}

PageRequest read_page(const access::Call& call, const PageStyle& style) {
  PageRequest r;
  r.page = int_param(call, style.page_param, 1, 1, 1'000'000);
  r.size = int_param(call, style.size_param, style.default_size, 1, style.max_size);
  return r;
}

std::int64_t page_count(std::int64_t total, std::int64_t size) { return size > 0 ? (total + size - 1) / size : 0; }

OffsetRequest read_offset(const access::Call& call, int default_limit, int max_limit) {
  return {int_param(call, "limit", default_limit, 1, max_limit), int_param(call, "offset", 0, 0, 1'000'000'000)};
}

}  // namespace agentd::api
