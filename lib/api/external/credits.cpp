// External API: GET /api/external/credits (scope credits:read), API.md 1.3.
#include "access/credits.hpp"
#include "api/common/dispatcher.hpp"
#include "api/common/json_body.hpp"
#include "api/external/dialect.hpp"

#include <boost/json.hpp>

namespace agentd::api::external {
namespace json = boost::json;
namespace {

net::awaitable<http::Response> get_credits(const Services& s, RequestContext& ctx) {
  const OffsetRequest window = read_offset(ctx);
  const int limit = window.limit, offset = window.offset;
  const auto org_id = ctx.principal->org.org_id;
  auto reading = s.db.read([org_id, limit, offset](db::Conn& c) { return access::read_credits(c, org_id, limit, offset); });
  auto view = co_await std::move(reading);
  json::array transactions;
  for (const auto& t : view.transactions) {
    transactions.push_back({{"id", t.id},
                            {"type", t.kind},
                            {"amount", format_credits(t.amount)},
                            {"balance_after", format_credits(t.balance_after)},
                            {"description", t.description},
                            {"reference_id", or_null(t.reference_id)},
                            {"key_id", or_null(t.key_id)},
                            {"created_at", t.created_at}});
  }
  co_return http::json_response(200, {{"balance", format_credits(view.balance)},
                                      {"plan", view.plan},
                                      {"reserved", format_credits(view.reserved)},
                                      {"transactions", std::move(transactions)},
                                      {"total", view.total},
                                      {"limit", limit},
                                      {"offset", offset}});
}

}  // namespace

void add_credit_routes(Dispatcher& d, const Dialect& dialect, const Services& s) {
  using namespace schema;
  RouteGroup{d, dialect, s}.add(
      bhttp::verb::get, "/api/external/credits", "credits:read", get_credits,
      {.summary = "The organization's balance, open holds and transactions, newest first",
       .query = {{"limit", integer(1, 100), "transactions per page (50)"}, {"offset", integer(0), "transactions to skip"}},
       .response = obj({{"balance", str("6 decimals, e.g. \"12.500000\"")}, {"plan", str()}, {"reserved", str()},
                        {"transactions", array(obj({{"id", integer()}, {"type", str()}, {"amount", str()}, {"balance_after", str()},
                                                    {"description", str()}, {"reference_id", nullable(str())},
                                                    {"key_id", nullable(str())}, {"created_at", str()}},
                                                   {"id", "type", "amount", "balance_after", "created_at"}))},
                        {"total", integer()}, {"limit", integer()}, {"offset", integer()}},
                       {"balance", "plan", "reserved", "transactions", "total", "limit", "offset"})});
}

}  // namespace agentd::api::external
