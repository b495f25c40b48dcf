// External API: generated content (API.md 3.5, seed 003): list, detail, retry, create, and the
// signed storage that serves the files (API.md 2) with ETag and Range.
#include "api/common/dispatcher.hpp"
#include "api/common/json_body.hpp"
#include "api/external/dialect.hpp"
#include "core/offload.hpp"

#include <boost/json.hpp>

#include <filesystem>
#include <fstream>

namespace agentd::api::external {
namespace json = boost::json;
namespace {

json::value credits_number(const std::optional<Micros>& m) {
  return m ? json::value(static_cast<double>(*m) / 1e6) : json::value(nullptr);
}

std::string host_url(const RequestContext& ctx) { return "http://" + std::string(ctx.request[bhttp::field::host]); }

json::value storage_url(const RequestContext& ctx, const Services& s, const content::ContentItem& c) {
  if (!c.storage_path) return nullptr;
  return json::value(host_url(ctx) + "/storage/" + *c.storage_path + "?sig=" + s.storage.signature(*c.storage_path));
}

// The list's fields (seed 003, "List Content").
json::object item_json(const RequestContext& ctx, const Services& s, const content::ContentItem& c) {
  const json::value url = storage_url(ctx, s, c);
  return {{"id", c.id},
          {"content_type", c.content_type},
          {"status", c.status},
          {"prompt", c.prompt.size() > 200 ? c.prompt.substr(0, 200) + "..." : c.prompt},
          {"replicate_version", or_null(c.replicate_version)},
          {"output_url", c.output_url ? json::value(*c.output_url) : url},
          {"storage_url", url},
          {"error_message", or_null(c.error_message)},
          {"processing_time_ms", c.processing_time_ms ? json::value(*c.processing_time_ms) : json::value(nullptr)},
          {"credit_cost", credits_number(c.credit_cost)},
          {"created_at", c.created_at},
          {"completed_at", or_null(c.completed_at)}};
}

// Every field of "Get Content Detail".
json::object detail_json(const RequestContext& ctx, const Services& s, const content::ContentItem& c) {
  json::object o = item_json(ctx, s, c);
  o["prompt"] = c.prompt;
  o["organization_id"] = c.org_slug;
  o["user_id"] = "user-" + std::to_string(c.user_id);
  o["replicate_prediction_id"] = or_null(c.replicate_prediction_id);
  o["replicate_input"] = c.replicate_input ? json::value(*c.replicate_input) : json::value(nullptr);
  o["storage_path"] = or_null(c.storage_path);
  o["retry_count"] = c.retry_count;
  o["max_retries"] = c.max_retries;
  o["started_at"] = or_null(c.started_at);
  return o;
}

net::awaitable<http::Response> list(const Services& s, RequestContext& ctx) {
  const PageRequest page = read_page(ctx, ctx.dialect().paging);
  auto listing = s.content.list(ctx.principal->org.org_id, ctx.query("content_type").value_or(""),
                                ctx.query("status").value_or(""), page.offset(), page.size);
  const content::ItemPage found = co_await std::move(listing);
  json::array items;
  for (const auto& c : found.items) items.push_back(item_json(ctx, s, c));
  co_return http::json_response(200, json::object{{"items", std::move(items)},
                                                  {"total", found.total},
                                                  {"page", page.page},
                                                  {"page_size", page.size},
                                                  {"has_more", page.page * page.size < found.total}});
}

net::awaitable<http::Response> get(const Services& s, RequestContext& ctx) {
  auto finding = s.content.get(ctx.principal->org.org_id, ctx.param("content_id"));
  const content::ContentItem c = co_await std::move(finding);
  co_return http::json_response(200, detail_json(ctx, s, c));
}

net::awaitable<http::Response> retry(const Services& s, RequestContext& ctx) {
  auto retrying = s.content.retry(ctx.principal->org.org_id, ctx.principal->key->id, ctx.param("content_id"));
  const content::Retried r = co_await std::move(retrying);
  co_return http::json_response(200, json::object{{"success", true},
                                                  {"message", "Content generation retry queued (attempt " + std::to_string(r.attempt) +
                                                                  "/" + std::to_string(r.max_retries) + ")"},
                                                  {"generation_id", r.id}});
}

// POST /api/external/content {"prompt","content_type","model","input"} -> 202 {"id","status"}.
net::awaitable<http::Response> create(const Services& s, RequestContext& ctx) {
  const JsonBody body = JsonBody::parse(ctx.request.body());
  content::NewContent n;
  n.org_id = ctx.principal->org.org_id;
  n.user_id = ctx.principal->key->user_id;
  n.key_id = ctx.principal->key->id;
  auto text = [&](const char* name) -> std::string {
    const auto* v = body.raw(name);
    if (v && !v->is_string()) throw content::content_error(ErrorKind::bad_request, "content_invalid_request", std::string(name) + " must be a string");
    return v ? std::string(v->as_string()) : std::string();
  };
  n.prompt = text("prompt");
  if (auto type = text("content_type"); !type.empty()) n.content_type = type;
  n.model = text("model");
  if (const auto* input = body.raw("input")) {
    if (!input->is_object()) throw content::content_error(ErrorKind::bad_request, "content_invalid_request", "input must be an object");
    n.input = input->as_object();
  }
  auto creating = s.content.create(std::move(n));
  const content::ContentItem c = co_await std::move(creating);
  co_return http::json_response(202, json::object{{"id", c.id}, {"status", c.status}});
}

// GET /storage/generation/{type}/{file}?sig=: a bad signature reads nothing (403); ETag and
// If-None-Match (304); Range (206, 416).
net::awaitable<http::Response> serve_file(const Services& s, RequestContext& ctx) {
  const std::string path = "generation/" + ctx.param("type") + "/" + ctx.param("file");
  if (!s.storage.verify(path, ctx.query("sig").value_or("")))
    throw AppError(ErrorKind::forbidden, "invalid_signature", "Invalid or missing storage signature");
  struct Read {
    bool found = false;
    std::uint64_t size = 0;
    std::string etag, bytes;
    std::optional<content::ByteRange> range;
    bool unsatisfiable = false, unchanged = false;
  };
  const std::string range_header(ctx.request[bhttp::field::range]);
  const std::string if_none_match(ctx.request[bhttp::field::if_none_match]);
  auto reading = offload(s.cpu_pool, [file = s.storage.file(path), range_header, if_none_match] {
    Read r;
    std::error_code ec;
    r.size = std::filesystem::file_size(file, ec);
    if (ec) return r;
    r.found = true;
    const auto mtime = static_cast<std::uint64_t>(std::filesystem::last_write_time(file, ec).time_since_epoch().count());
    r.etag = "\"" + std::to_string(r.size) + "-" + std::to_string(mtime) + "\"";
    try {
      r.range = content::parse_range(range_header, r.size);
    } catch (const std::out_of_range&) {
      r.unsatisfiable = true;
      return r;
    }
    // The client's copy is current: nothing to read.
    r.unchanged = !r.range && if_none_match == r.etag;
    if (r.unchanged) return r;
    const std::uint64_t first = r.range ? r.range->first : 0, last = r.range ? r.range->last : r.size - 1;
    std::ifstream in(file, std::ios::binary);
    in.seekg(static_cast<std::streamoff>(first));
    r.bytes.resize(r.size == 0 ? 0 : last - first + 1);
    in.read(r.bytes.data(), static_cast<std::streamsize>(r.bytes.size()));
    return r;
  });
  Read r = co_await std::move(reading);
  if (!r.found) throw not_found("not_found", "Not found: " + path);
  http::Response res;
  if (r.unsatisfiable) {
    res = http::make_response(416, "", content::mime_of(path));
    res.set(bhttp::field::content_range, "bytes */" + std::to_string(r.size));
  } else if (r.unchanged) {
    res = http::make_response(304, "", content::mime_of(path));
  } else {
    res = http::make_response(r.range ? 206 : 200, std::move(r.bytes), content::mime_of(path));
    if (r.range)
      res.set(bhttp::field::content_range, "bytes " + std::to_string(r.range->first) + "-" + std::to_string(r.range->last) + "/" +
                                               std::to_string(r.size));
  }
  res.set(bhttp::field::etag, r.etag);
  res.set(bhttp::field::accept_ranges, "bytes");
  res.set(bhttp::field::cache_control, "public, max-age=31536000, immutable");
  co_return res;
}

}  // namespace

void add_content_routes(Dispatcher& d, const Dialect& dialect, const Services& s) {
  using bhttp::verb;
  using namespace schema;
  const RouteGroup group{d, dialect, s};
  // What item_json and detail_json write.
  const Schema item = obj({{"id", str()}, {"content_type", one_of(content::content_types())},
                           {"status", one_of(content::content_statuses())}, {"prompt", str()},
                           {"replicate_version", nullable(str())}, {"output_url", nullable(str())}, {"storage_url", nullable(str())},
                           {"error_message", nullable(str())}, {"processing_time_ms", nullable(integer())},
                           {"credit_cost", nullable(number())}, {"created_at", str()}, {"completed_at", nullable(str())}},
                          {"id", "content_type", "status", "prompt", "created_at"});
  const Schema detail = extend(item, {{"organization_id", str()}, {"user_id", str()}, {"replicate_prediction_id", nullable(str())},
                                      {"replicate_input", nullable(any_object())}, {"storage_path", nullable(str())},
                                      {"retry_count", integer()}, {"max_retries", integer()}, {"started_at", nullable(str())}});
  group.add(verb::get, "/api/external/content", "content:read", list,
            {.summary = "List generated content, newest first",
             .query = {{"content_type", one_of(content::content_types())}, {"status", one_of(content::content_statuses())}},
             .response = obj({{"items", array(item)}, {"total", integer()}, {"page", integer()}, {"page_size", integer()},
                              {"has_more", boolean()}},
                             {"items", "total", "page", "page_size", "has_more"}),
             .paged = true});
  group.add(verb::post, "/api/external/content", "content:create", create,
            {.summary = "Generate content (a job: poll the item until completed or failed)",
             .body = obj({{"prompt", str()}, {"content_type", one_of(content::content_types())},
                          {"model", str("builtin/<content_type> (default), replicate/OWNER/NAME[:VERSION]")},
                          {"input", described(any_object(), "builtin image: width, height; video: width, height, duration, fps; "
                                                            "audio: voice, rate, pitch; glb: segments; Replicate: the model's input")}},
                         {"prompt"}),
             .response = obj({{"id", str()}, {"status", one_of({"pending"})}}, {"id", "status"}),
             .status = 202,
             .errors = {ErrorKind::bad_request, ErrorKind::payment_required}});
  group.add(verb::get, "/api/external/content/{content_id}", "content:read", get,
            {.summary = "A generated item with every detail", .response = detail});
  group.add(verb::post, "/api/external/content/{content_id}/retry", "content:retry", retry,
            {.summary = "Queue a failed item again",
             .response = obj({{"success", boolean()}, {"message", str()}, {"generation_id", str()}}, {"success", "message", "generation_id"}),
             .errors = {ErrorKind::bad_request, ErrorKind::payment_required}});
  d.add({.method = verb::get, .pattern = "/storage/generation/{type}/{file}", .dialect = &dialect,
         .handler = [&s](RequestContext& ctx) { return serve_file(s, ctx); },
         .doc = {.summary = "A generated file, by its signed URL (Range requests for players)",
                 .query = {{"sig", str(), "the URL's signature", true}},
                 .response = described(str(), "the file's bytes, in its own type (image/png, audio/wav, video/mp4, "
                                              "model/gltf-binary, application/pdf, ...)"),
                 .also = {206, 304, 416},
                 .response_type = "*/*",
                 .errors = {ErrorKind::forbidden}}});
}

}  // namespace agentd::api::external
