// External API: RAG knowledge bases (seed 001 and API.md 3.4). Parses and shapes; the knowledge
// service decides and the knowledge store persists.
#include "api/common/dispatcher.hpp"
#include "api/common/json_body.hpp"
#include "api/common/schema.hpp"
#include "api/external/dialect.hpp"
#include "api/external/upload_reader.hpp"
#include "core/offload.hpp"
#include "http/multipart.hpp"

#include <boost/json.hpp>

namespace agentd::api::external {
namespace json = boost::json;
using knowledge::Datastore;

namespace {

net::awaitable<Datastore> need_datastore(const Services& s, const RequestContext& ctx) {
  auto finding = s.knowledge.datastore(ctx.principal->org.org_id, ctx.param("datastore_id"));
  co_return co_await std::move(finding);
}

json::object datastore_json(const Datastore& ds) {
  return {{"datastore_id", ds.public_id},   {"display_name", ds.display_name}, {"description", or_null(ds.description)},
          {"document_count", ds.document_count}, {"created_at", ds.created_at},     {"is_active", true}};
}

// A large body was spooled to disk by the transport (one that came whole with its header is in
// memory); it is read as it streams, each file decoded into a file of its own.
net::awaitable<http::Response> upload(const Services& s, RequestContext& ctx) {
  const std::string content_type(ctx.request[bhttp::field::content_type]);
  const std::string spool_dir = s.config.http.body_spool_dir.empty() ? s.config.data_dir + "/tmp" : s.config.http.body_spool_dir;
  SpooledFiles spooled;
  const UploadBody body{ctx.body_file, ctx.body_file.empty() ? std::string_view(ctx.request.body()) : std::string_view()};
  auto parsing = offload(s.cpu_pool, [&, content_type] {
    if (auto boundary = http::multipart_boundary(content_type)) return read_multipart_upload(body, *boundary, spool_dir, spooled);
    return read_json_upload(body, spool_dir, spooled);
  });
  auto request = co_await std::move(parsing);
  auto uploading = s.knowledge.upload(ctx.principal->org.org_id, std::move(request));
  const auto receipt = co_await std::move(uploading);
  ctx.cost = receipt.cost;
  json::array items;
  for (const auto& u : receipt.uploads) items.push_back({{"upload_id", u.id}, {"filename", u.filename}, {"status", "processing"}});
  co_return http::json_response(200, {{"success", true},
                                      {"datastore_id", receipt.datastore.public_id},
                                      {"datastore_name", receipt.datastore.display_name},
                                      {"uploads", std::move(items)},
                                      {"message", std::to_string(receipt.uploads.size()) + " file(s) upload started"}});
}

json::object upload_json(const knowledge::Upload& u, bool detail) {
  json::object o{{"upload_id", u.id}, {"filename", u.filename}, {"file_size", u.file_size}, {"file_type", u.file_type}};
  if (detail) {
    o["status"] = u.status;
    o["ready"] = u.status == "completed";
  }
  o["datastore_id"] = u.datastore_public_id;
  o["datastore_name"] = u.datastore_name;
  if (!detail) o["status"] = u.status;
  o["uploaded_at"] = u.uploaded_at;
  o["indexed_at"] = or_null(u.indexed_at);
  o["error_message"] = or_null(u.error_message);
  return o;
}

// ---- routes ----

net::awaitable<http::Response> create_datastore(const Services& s, RequestContext& ctx) {
  const JsonBody body = JsonBody::parse(ctx.request.body());
  const json::object& o = body.object();
  const auto* name = o.if_contains("display_name");
  if (!name || !name->is_string() || name->as_string().empty())
    throw validation_error("invalid_request", "display_name is required", "display_name");
  if (name->as_string().size() > 200) throw validation_error("invalid_request", "display_name is longer than 200 characters", "display_name");
  std::optional<std::string> description;
  if (const auto* d = o.if_contains("description"); d && !d->is_null()) {
    if (!d->is_string()) throw validation_error("invalid_request", "description must be a string", "description");
    description = std::string(d->as_string());
  }
  auto creating = s.knowledge.create_datastore(ctx.principal->org.org_id, std::string(name->as_string()), description);
  const Datastore ds = co_await std::move(creating);
  co_return http::json_response(200, {{"success", true},
                                      {"datastore_id", ds.public_id},
                                      {"display_name", ds.display_name},
                                      {"description", or_null(ds.description)},
                                      {"message", "DataStore '" + ds.display_name + "' created successfully"}});
}

net::awaitable<http::Response> list_datastores(const Services& s, RequestContext& ctx) {
  auto listing = s.knowledge.datastores(ctx.principal->org.org_id);
  const auto all = co_await std::move(listing);
  json::array items;
  for (const auto& ds : all) items.push_back(datastore_json(ds));
  co_return http::json_response(200, {{"datastores", std::move(items)}, {"total", all.size()}});
}

net::awaitable<http::Response> get_datastore(const Services& s, RequestContext& ctx) {
  auto describing = s.knowledge.describe(ctx.principal->org.org_id, ctx.param("datastore_id"));
  const auto [ds, stats] = co_await std::move(describing);
  json::object o = datastore_json(ds);
  json::array agents;
  for (const auto& a : stats.connected_agents) agents.emplace_back(a);
  o["connected_agents"] = std::move(agents);
  o["total_bytes"] = stats.total_bytes;
  o["chunk_count"] = stats.chunk_count;
  co_return http::json_response(200, o);
}

net::awaitable<http::Response> list_files(const Services& s, RequestContext& ctx) {
  auto listing = s.knowledge.files(ctx.principal->org.org_id, ctx.param("datastore_id"));
  const auto [ds, files] = co_await std::move(listing);
  json::array items;
  std::int64_t indexed = 0;
  for (const auto& f : files) {
    indexed += f.status == "completed";
    items.push_back({{"name", f.filename}, {"size", f.file_size}, {"content_type", f.file_type},
                     {"uploaded_at", f.uploaded_at}, {"status", f.status}});
  }
  co_return http::json_response(200, {{"datastore_id", ds.public_id},
                                      {"datastore_name", ds.display_name},
                                      {"files", std::move(items)},
                                      {"total_files", files.size()},
                                      {"indexed_files", indexed}});
}

net::awaitable<http::Response> delete_datastore(const Services& s, RequestContext& ctx) {
  const Datastore ds = co_await need_datastore(s, ctx);
  const std::string force_text = ctx.query("force").value_or("false");
  if (force_text != "true" && force_text != "false" && force_text != "True" && force_text != "False" &&
      force_text != "1" && force_text != "0")
    throw validation_error("invalid_parameter", "force must be true or false", "force");
  const bool force = force_text == "true" || force_text == "True" || force_text == "1";
  auto deleting = s.knowledge.remove_datastore(ds, force);
  co_await std::move(deleting);
  co_return http::json_response(200, {{"success", true},
                                      {"datastore_id", ds.public_id},
                                      {"message", "DataStore '" + ds.display_name + "' deleted successfully"}});
}

net::awaitable<http::Response> delete_file(const Services& s, RequestContext& ctx) {
  const Datastore ds = co_await need_datastore(s, ctx);
  const std::string filename = ctx.param("filename");
  auto deleting = s.knowledge.remove_file(ds, filename);
  const std::size_t remaining = co_await std::move(deleting);
  co_return http::json_response(200, {{"success", true},
                                      {"datastore_id", ds.public_id},
                                      {"filename", filename},
                                      {"remaining_files", remaining},
                                      {"message", "File '" + filename + "' deleted from '" + ds.display_name + "'"}});
}

net::awaitable<http::Response> list_uploads(const Services& s, RequestContext& ctx) {
  const OffsetRequest window = read_offset(ctx);
  const int limit = window.limit, offset = window.offset;
  const std::string status = ctx.query("status").value_or("");
  if (!status.empty() && status != "pending" && status != "processing" && status != "indexing" &&
      status != "completed" && status != "failed")
    throw validation_error("invalid_parameter", "status must be one of pending, processing, indexing, completed, failed", "status");
  auto listing = s.knowledge.uploads(ctx.principal->org.org_id, status, ctx.query("datastore_id"), limit, offset);
  const auto page = co_await std::move(listing);
  json::array items;
  for (const auto& u : page.uploads) items.push_back(upload_json(u, false));
  co_return http::json_response(200, {{"uploads", std::move(items)}, {"total", page.total}, {"limit", limit}, {"offset", offset}});
}

net::awaitable<http::Response> get_upload(const Services& s, RequestContext& ctx) {
  auto finding = s.knowledge.upload_status(ctx.principal->org.org_id, ctx.param("upload_id"));
  const auto upload = co_await std::move(finding);
  co_return http::json_response(200, upload_json(upload, true));
}

net::awaitable<http::Response> search(const Services& s, RequestContext& ctx) {
  const JsonBody body = JsonBody::parse(ctx.request.body());
  const json::object& o = body.object();
  const auto* query = o.if_contains("query");
  if (!query || !query->is_string() || query->as_string().empty())
    throw validation_error("invalid_request", "query is required", "query");
  if (query->as_string().size() > 2000) throw validation_error("invalid_request", "query is longer than 2000 characters", "query");
  int top_k = 5;
  if (const auto* k = o.if_contains("top_k"); k && !k->is_null()) {
    if (!k->is_int64() || k->as_int64() < 1 || k->as_int64() > 50)
      throw validation_error("invalid_request", "top_k must be an integer between 1 and 50", "top_k");
    top_k = static_cast<int>(k->as_int64());
  }
  std::vector<std::string> filenames;
  if (const auto* f = o.if_contains("filenames"); f && !f->is_null()) {
    if (!f->is_array() || f->as_array().size() > 100)
      throw validation_error("invalid_request", "filenames must be an array of file names", "filenames");
    for (const auto& n : f->as_array()) {
      if (!n.is_string()) throw validation_error("invalid_request", "filenames must be an array of file names", "filenames");
      filenames.emplace_back(n.as_string());
    }
  }
  const std::string id = ctx.param("datastore_id");
  auto searching = s.knowledge.search(ctx.principal->org.org_id, id, std::string(query->as_string()), top_k, std::move(filenames));
  const auto hits = co_await std::move(searching);
  json::array results;
  for (const auto& h : hits) {
    results.push_back({{"chunk_id", h.chunk_id},
                       {"upload_id", h.upload_id},
                       {"filename", h.filename},
                       {"text", h.text},
                       {"score", std::round(h.score * 1e6) / 1e6},
                       {"page", or_null(h.page)},
                       {"slide", or_null(h.slide)},
                       {"line", or_null(h.line)},
                       {"heading", h.heading.empty() ? json::value(nullptr) : json::value(h.heading)}});
  }
  co_return http::json_response(200, {{"datastore_id", id}, {"query", query->as_string()}, {"results", std::move(results)}});
}

}  // namespace

void add_rag_routes(Dispatcher& d, const Dialect& dialect, const Services& s) {
  using bhttp::verb;
  using namespace schema;
  const RouteGroup group{d, dialect, s};
  // What datastore_json and upload_json write.
  const Schema datastore = obj({{"datastore_id", str()}, {"display_name", str()}, {"description", nullable(str())},
                                {"document_count", integer()}, {"created_at", str()}, {"is_active", boolean()}},
                               {"datastore_id", "display_name", "document_count", "created_at"});
  const Schema upload_status = one_of({"pending", "processing", "indexing", "completed", "failed"});
  const Schema upload_item = obj({{"upload_id", str()}, {"filename", str()}, {"file_size", integer()}, {"file_type", str()},
                             {"status", upload_status}, {"ready", boolean()}, {"datastore_id", str()}, {"datastore_name", str()},
                             {"uploaded_at", str()}, {"indexed_at", nullable(str())}, {"error_message", nullable(str())}},
                            {"upload_id", "filename", "status", "datastore_id", "uploaded_at"});
  const Schema done = obj({{"success", boolean()}, {"datastore_id", str()}, {"message", str()}}, {"success", "datastore_id", "message"});
  group.add(verb::post, "/api/external/rag/datastores", "rag:upload", create_datastore,
            {.summary = "Create a knowledge base",
             .body = obj({{"display_name", str()}, {"description", nullable(str())}}, {"display_name"}),
             .response = extend(done, {{"display_name", str()}, {"description", nullable(str())}}),
             .errors = {ErrorKind::conflict}});
  group.add(verb::get, "/api/external/rag/datastores", "rag:read", list_datastores,
            {.summary = "List knowledge bases",
             .response = obj({{"datastores", array(datastore)}, {"total", integer()}}, {"datastores", "total"})});
  group.add(verb::get, "/api/external/rag/datastores/{datastore_id}", "rag:read", get_datastore,
            {.summary = "A knowledge base with its size and the agents that use it",
             .response = extend(datastore, {{"connected_agents", array(str())}, {"total_bytes", integer()}, {"chunk_count", integer()}})});
  group.add(verb::delete_, "/api/external/rag/datastores/{datastore_id}", "rag:delete", delete_datastore,
            {.summary = "Delete a knowledge base (force: also when agents use it)",
             .query = {{"force", boolean()}},
             .response = done,
             .errors = {ErrorKind::conflict}});
  group.add(verb::get, "/api/external/rag/datastores/{datastore_id}/files", "rag:read", list_files,
            {.summary = "A knowledge base's files",
             .response = obj({{"datastore_id", str()}, {"datastore_name", str()},
                              {"files", array(obj({{"name", str()}, {"size", integer()}, {"content_type", str()}, {"uploaded_at", str()},
                                                   {"status", upload_status}},
                                                  {"name", "size", "status"}))},
                              {"total_files", integer()}, {"indexed_files", integer()}},
                             {"datastore_id", "files", "total_files", "indexed_files"})});
  group.add(verb::delete_, "/api/external/rag/datastores/{datastore_id}/files/{filename}", "rag:delete", delete_file,
            {.summary = "Delete a file and its chunks",
             .response = extend(done, {{"filename", str()}, {"remaining_files", integer()}})});
  group.add(verb::post, "/api/external/rag/datastores/{datastore_id}/search", "rag:read", search,
            {.summary = "Search a knowledge base",
             .body = obj({{"query", str()}, {"top_k", integer(1, 50)}, {"filenames", nullable(array(str()))}}, {"query"}),
             .response = obj({{"datastore_id", str()}, {"query", str()},
                              {"results", array(obj({{"chunk_id", integer()}, {"upload_id", str()}, {"filename", str()}, {"text", str()},
                                                     {"score", number()}, {"page", nullable(integer())}, {"slide", nullable(integer())},
                                                     {"line", nullable(integer())}, {"heading", nullable(str())}},
                                                    {"chunk_id", "upload_id", "filename", "text", "score"}))}},
                             {"datastore_id", "query", "results"})});
  group.add(verb::get, "/api/external/rag/uploads", "rag:read", list_uploads,
            {.summary = "List uploads, newest first",
             .query = {{"status", upload_status}, {"datastore_id", str()}, {"limit", integer(1, 100)}, {"offset", integer(0)}},
             .response = obj({{"uploads", array(upload_item)}, {"total", integer()}, {"limit", integer()}, {"offset", integer()}},
                             {"uploads", "total", "limit", "offset"})});
  group.add(verb::get, "/api/external/rag/uploads/{upload_id}", "rag:read", get_upload,
            {.summary = "An upload's indexing status", .response = upload_item});
  d.add({.method = verb::post, .pattern = "/api/external/rag/upload", .dialect = &dialect, .scope = "rag:upload",
         .body_limit = s.config.http.upload_body_limit, .body_to_file = true,
         // Reserved from the declared size, before the body is read.
         .estimate = [&s](const access::Call& call) {
           return s.knowledge.upload_estimate(call.body_file.empty() ? call.request.body().size() : call.body_size);
         },
         .handler = [&s](RequestContext& ctx) { return upload(s, ctx); },
         .doc = {.summary = "Upload files to a knowledge base (indexed by a job: poll the upload)",
                 .body = obj({{"datastore_id", str()},
                              {"files", array(obj({{"filename", str()}, {"content", described(str(), "the file, base64")}},
                                                  {"filename", "content"}))}},
                             {"datastore_id", "files"}),
                 .multipart = obj({{"datastore_id", str()}, {"files", array({{"type", "string"}, {"contentMediaType", "application/octet-stream"}})}},
                                  {"datastore_id", "files"}),
                 .response = obj({{"success", boolean()}, {"datastore_id", str()}, {"datastore_name", str()},
                                  {"uploads", array(obj({{"upload_id", str()}, {"filename", str()}, {"status", str()}},
                                                        {"upload_id", "filename", "status"}))},
                                  {"message", str()}},
                                 {"success", "datastore_id", "uploads"}),
                 .errors = {ErrorKind::not_found, ErrorKind::payload_too_large}}});
}

}  // namespace agentd::api::external
