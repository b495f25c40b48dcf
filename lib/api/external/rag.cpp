// External API: RAG knowledge bases (seed 001 and API.md 3.4). Parses and shapes; the knowledge
// store decides and persists.
#include "api/params.hpp"
#include "api/routes.hpp"
#include "core/errors.hpp"
#include "core/ids.hpp"
#include "core/offload.hpp"
#include "http/multipart.hpp"
#include "knowledge/base64.hpp"
#include "knowledge/files.hpp"
#include "knowledge/store.hpp"
#include "server/app.hpp"

#include <boost/json.hpp>

#include <filesystem>

namespace agentd::api {
namespace json = boost::json;
using knowledge::Datastore;

namespace {

constexpr std::size_t kMaxFileBytes = 10 * 1024 * 1024;
constexpr std::size_t kMaxFiles = 10;

json::value or_null(const std::optional<std::string>& s) { return s ? json::value(*s) : json::value(nullptr); }
json::value or_null(const std::optional<int>& v) { return v ? json::value(*v) : json::value(nullptr); }

AppError validation(const std::string& code, const std::string& message, const std::string& field = {}) {
  AppError e(ErrorKind::bad_request, code, message);
  e.field = field;
  return e;
}

AppError datastore_not_found(const std::string& id, bool for_upload = false) {
  return not_found("datastore_not_found", "DataStore not found: " + id +
                                              (for_upload ? ". Create it first using POST /rag/datastores" : ""));
}

json::object parse_object(const std::string& body) {
  json::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_object()) throw validation("invalid_request", "Request body must be a JSON object");
  return std::move(v.as_object());
}

net::awaitable<Datastore> need_datastore(App& app, const http::RequestContext& ctx, bool for_upload = false) {
  const auto org = ctx.principal->org.org_id;
  const std::string id = ctx.param("datastore_id");
  auto finding = app.read_db([org, id](db::Conn& c) { return knowledge::find_datastore(c, org, id); });
  auto ds = co_await std::move(finding);
  if (!ds) throw datastore_not_found(id, for_upload);
  co_return *ds;
}

json::object datastore_json(const Datastore& ds) {
  return {{"datastore_id", ds.public_id},   {"display_name", ds.display_name}, {"description", or_null(ds.description)},
          {"document_count", ds.document_count}, {"created_at", ds.created_at},     {"is_active", true}};
}

// ---- uploads: parsing and validation (on the CPU pool), before anything is stored ----

struct IncomingFile {
  std::string filename, content_type, bytes;
};

struct ParsedUpload {
  std::string datastore_id;
  std::vector<IncomingFile> files;
  std::optional<AppError> file_error;  // reported after the datastore is known to exist
};

void check_count(std::size_t n) {
  if (n < 1 || n > kMaxFiles) throw validation("invalid_file_count", "files must contain between 1 and 10 files", "files");
}

// Extension and size; the first problem is kept for after the datastore check.
void check_file(ParsedUpload& p, IncomingFile file) {
  if (p.file_error) return;
  const std::string ext = knowledge::extension_of(file.filename);
  const auto type = knowledge::file_type_for_extension(ext);
  if (!type) {
    p.file_error = validation("unsupported_file_type", "Unsupported file extension: " + (ext.empty() ? file.filename : ext));
    return;
  }
  if (file.bytes.size() > kMaxFileBytes) {
    p.file_error = validation("file_too_large", "File size exceeds 10MB limit");
    return;
  }
  if (file.content_type.empty() || file.content_type == "application/octet-stream")
    file.content_type = knowledge::mime_type(*type);
  p.files.push_back(std::move(file));
}

std::string safe_filename(const std::string& name, const std::string& field) {
  if (name.empty() || name.size() > 255 || name.find('/') != std::string::npos || name.find('\\') != std::string::npos ||
      name.find('\0') != std::string::npos || name == "." || name == "..")
    throw validation("invalid_filename", field + " must be a file name without a path", field);
  return name;
}

ParsedUpload parse_json_upload(const std::string& body) {
  const json::object o = parse_object(body);
  ParsedUpload p;
  const auto* ds = o.if_contains("datastore_id");
  if (!ds || !ds->is_string() || ds->as_string().empty())
    throw validation("invalid_request", "datastore_id is required", "datastore_id");
  p.datastore_id = std::string(ds->as_string());
  const auto* files = o.if_contains("files");
  if (!files || !files->is_array()) throw validation("invalid_request", "files is required", "files");
  check_count(files->as_array().size());
  std::size_t i = 0;
  for (const auto& f : files->as_array()) {
    const std::string at = "files[" + std::to_string(i++) + "]";
    if (!f.is_object()) throw validation("invalid_request", at + " must be an object", at);
    const auto& fo = f.as_object();
    const auto* name = fo.if_contains("filename");
    const auto* content = fo.if_contains("content");
    const auto* type = fo.if_contains("content_type");
    if (!name || !name->is_string()) throw validation("invalid_request", at + ".filename is required", at + ".filename");
    if (!content || !content->is_string()) throw validation("invalid_request", at + ".content is required", at + ".content");
    if (type && !type->is_null() && !type->is_string())
      throw validation("invalid_request", at + ".content_type must be a string", at + ".content_type");
    IncomingFile file{safe_filename(std::string(name->as_string()), at + ".filename"),
                      type && type->is_string() ? std::string(type->as_string()) : "", {}};
    if (p.file_error) continue;
    if (!knowledge::file_type_for_extension(knowledge::extension_of(file.filename))) {
      check_file(p, std::move(file));
      continue;
    }
    // A base64 text longer than 4/3 of the limit cannot decode within it: refuse before decoding.
    if (content->as_string().size() > kMaxFileBytes / 3 * 4 + 4 + content->as_string().size() / 76 * 2) {
      p.file_error = validation("file_too_large", "File size exceeds 10MB limit");
      continue;
    }
    std::string error;
    auto bytes = knowledge::decode_base64(std::string_view(content->as_string()), error);
    if (!bytes) {
      p.file_error = validation("invalid_base64", "Base64 decoding failed: " + error);
      continue;
    }
    file.bytes = std::move(*bytes);
    check_file(p, std::move(file));
  }
  return p;
}

ParsedUpload parse_multipart_upload(const std::string& body, const std::string& boundary) {
  std::vector<http::FormPart> parts;
  try {
    parts = http::parse_multipart(body, boundary);
  } catch (const std::invalid_argument& e) {
    throw validation("invalid_request", std::string("Malformed multipart body: ") + e.what());
  }
  ParsedUpload p;
  std::vector<const http::FormPart*> file_parts;
  for (const auto& part : parts) {
    if (part.name == "datastore_id" && !part.filename) p.datastore_id = std::string(part.body);
    else if ((part.name == "files" || part.name == "files[]" || part.name == "file") && part.filename)
      file_parts.push_back(&part);
  }
  if (p.datastore_id.empty()) throw validation("invalid_request", "datastore_id is required", "datastore_id");
  check_count(file_parts.size());
  for (const auto* part : file_parts)
    check_file(p, {safe_filename(*part->filename, "files.filename"), part->content_type, std::string(part->body)});
  return p;
}

net::awaitable<http::Response> upload(App& app, http::RequestContext& ctx) {
  const std::string content_type(ctx.request[http::bhttp::field::content_type]);
  auto parsing = offload(app.cpu_pool, [&body = ctx.request.body(), content_type] {
    if (auto boundary = http::multipart_boundary(content_type)) return parse_multipart_upload(body, *boundary);
    return parse_json_upload(body);
  });
  ParsedUpload parsed = co_await std::move(parsing);
  const auto org = ctx.principal->org.org_id;
  auto finding = app.read_db([org, id = parsed.datastore_id](db::Conn& c) {
    return knowledge::find_datastore(c, org, id);
  });
  auto ds = co_await std::move(finding);
  if (!ds) throw datastore_not_found(parsed.datastore_id, true);
  if (parsed.file_error) throw *parsed.file_error;

  // The bytes are on disk and fsynced, and the rows committed, before the answer.
  std::vector<knowledge::NewUpload> uploads;
  Micros cost = 0;
  for (const auto& f : parsed.files) {
    const std::string id = uuid_v4();
    uploads.push_back({id, f.filename, f.content_type, "uploads/" + id, static_cast<std::int64_t>(f.bytes.size())});
    cost += per_started_mb_price(app.config.prices.rag_upload_per_mb, static_cast<std::int64_t>(f.bytes.size()));
  }
  auto storing = offload(app.cpu_pool, [&app, &parsed, &uploads] {
    for (std::size_t i = 0; i < uploads.size(); ++i)
      knowledge::write_file_durably((std::filesystem::path(app.config.data_dir) / uploads[i].storage_path).string(),
                                    parsed.files[i].bytes);
  });
  co_await std::move(storing);
  const double now = app.clock.unix_seconds();
  try {
    auto recording = app.write_db([&](db::Conn& c) {
      for (const auto& u : uploads) knowledge::record_upload(c, org, *ds, u, now);
    });
    co_await std::move(recording);
  } catch (...) {
    std::vector<std::string> paths;
    for (const auto& u : uploads) paths.push_back(u.storage_path);
    knowledge::remove_files(app.config.data_dir, paths);
    throw;
  }
  app.jobs.wake();
  ctx.cost = cost;
  json::array items;
  for (const auto& u : uploads) items.push_back({{"upload_id", u.id}, {"filename", u.filename}, {"status", "processing"}});
  co_return http::json_response(200, {{"success", true},
                                      {"datastore_id", ds->public_id},
                                      {"datastore_name", ds->display_name},
                                      {"uploads", std::move(items)},
                                      {"message", std::to_string(uploads.size()) + " file(s) upload started"}});
}

// Reserve before reading: a base64 body decodes to about 3/4 of its size; each file may start a
// new megabyte.
Micros upload_estimate(const App& app, const http::RequestContext& ctx) {
  const auto bytes = static_cast<std::int64_t>(ctx.request.body().size());
  return per_started_mb_price(app.config.prices.rag_upload_per_mb, bytes * 3 / 4) +
         app.config.prices.rag_upload_per_mb * static_cast<Micros>(kMaxFiles);
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

net::awaitable<http::Response> create_datastore(App& app, http::RequestContext& ctx) {
  const json::object o = parse_object(ctx.request.body());
  const auto* name = o.if_contains("display_name");
  if (!name || !name->is_string() || name->as_string().empty())
    throw validation("invalid_request", "display_name is required", "display_name");
  if (name->as_string().size() > 200) throw validation("invalid_request", "display_name is longer than 200 characters", "display_name");
  std::optional<std::string> description;
  if (const auto* d = o.if_contains("description"); d && !d->is_null()) {
    if (!d->is_string()) throw validation("invalid_request", "description must be a string", "description");
    description = std::string(d->as_string());
  }
  const auto org = ctx.principal->org.org_id;
  auto creating = app.write_db([org, n = std::string(name->as_string()), description](db::Conn& c) {
    return knowledge::create_datastore(c, org, n, description);
  });
  auto ds = co_await std::move(creating);
  co_return http::json_response(200, {{"success", true},
                                      {"datastore_id", ds.public_id},
                                      {"display_name", ds.display_name},
                                      {"description", or_null(ds.description)},
                                      {"message", "DataStore '" + ds.display_name + "' created successfully"}});
}

net::awaitable<http::Response> list_datastores(App& app, http::RequestContext& ctx) {
  const auto org = ctx.principal->org.org_id;
  auto listing = app.read_db([org](db::Conn& c) { return knowledge::list_datastores(c, org); });
  auto all = co_await std::move(listing);
  json::array items;
  for (const auto& ds : all) items.push_back(datastore_json(ds));
  co_return http::json_response(200, {{"datastores", std::move(items)}, {"total", all.size()}});
}

net::awaitable<http::Response> get_datastore(App& app, http::RequestContext& ctx) {
  const Datastore ds = co_await need_datastore(app, ctx);
  auto counting = app.read_db([ds](db::Conn& c) { return knowledge::datastore_stats(c, ds); });
  auto stats = co_await std::move(counting);
  json::object o = datastore_json(ds);
  json::array agents;
  for (const auto& a : stats.connected_agents) agents.emplace_back(a);
  o["connected_agents"] = std::move(agents);
  o["total_bytes"] = stats.total_bytes;
  o["chunk_count"] = stats.chunk_count;
  co_return http::json_response(200, o);
}

net::awaitable<http::Response> list_files(App& app, http::RequestContext& ctx) {
  const Datastore ds = co_await need_datastore(app, ctx);
  auto listing = app.read_db([ds](db::Conn& c) { return knowledge::datastore_files(c, ds); });
  auto files = co_await std::move(listing);
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

net::awaitable<http::Response> delete_datastore(App& app, http::RequestContext& ctx) {
  const Datastore ds = co_await need_datastore(app, ctx);
  const std::string force_text = ctx.query("force").value_or("false");
  if (force_text != "true" && force_text != "false" && force_text != "True" && force_text != "False" &&
      force_text != "1" && force_text != "0")
    throw validation("invalid_parameter", "force must be true or false", "force");
  const bool force = force_text == "true" || force_text == "True" || force_text == "1";
  auto deleting = app.write_db([ds, force](db::Conn& c) -> std::pair<std::vector<std::string>, std::vector<std::string>> {
    auto agents = knowledge::connected_agents(c, ds);
    if (!agents.empty() && !force) return {agents, {}};
    return {{}, knowledge::delete_datastore(c, ds)};
  });
  auto outcome = co_await std::move(deleting);
  if (!outcome.first.empty()) {
    json::array agents;
    for (const auto& a : outcome.first) agents.emplace_back(a);
    throw AppError(ErrorKind::conflict, "datastore_in_use",
                   "DataStore is connected to agents. Use force=true to delete anyway.",
                   {{"connected_agents", std::move(agents)}});
  }
  auto removing = offload(app.cpu_pool, [&app, paths = outcome.second] { knowledge::remove_files(app.config.data_dir, paths); });
  co_await std::move(removing);
  co_return http::json_response(200, {{"success", true},
                                      {"datastore_id", ds.public_id},
                                      {"message", "DataStore '" + ds.display_name + "' deleted successfully"}});
}

net::awaitable<http::Response> delete_file(App& app, http::RequestContext& ctx) {
  const Datastore ds = co_await need_datastore(app, ctx);
  const std::string filename = ctx.param("filename");
  auto deleting = app.write_db([ds, filename](db::Conn& c) {
    auto paths = knowledge::delete_file(c, ds, filename);
    return std::make_pair(paths, knowledge::datastore_files(c, ds).size());
  });
  auto outcome = co_await std::move(deleting);
  if (outcome.first.empty())
    throw not_found("file_not_found", "File not found in DataStore: " + filename);
  auto removing = offload(app.cpu_pool, [&app, paths = outcome.first] { knowledge::remove_files(app.config.data_dir, paths); });
  co_await std::move(removing);
  co_return http::json_response(200, {{"success", true},
                                      {"datastore_id", ds.public_id},
                                      {"filename", filename},
                                      {"remaining_files", outcome.second},
                                      {"message", "File '" + filename + "' deleted from '" + ds.display_name + "'"}});
}

net::awaitable<http::Response> list_uploads(App& app, http::RequestContext& ctx) {
  const int limit = int_param(ctx, "limit", 50, 1, 100);
  const int offset = int_param(ctx, "offset", 0, 0, 1'000'000'000);
  const std::string status = ctx.query("status").value_or("");
  if (!status.empty() && status != "pending" && status != "processing" && status != "indexing" &&
      status != "completed" && status != "failed")
    throw validation("invalid_parameter", "status must be one of pending, processing, indexing, completed, failed", "status");
  const auto org = ctx.principal->org.org_id;
  const auto ds_filter = ctx.query("datastore_id");
  auto listing = app.read_db([org, status, ds_filter, limit, offset](db::Conn& c) {
    std::optional<std::int64_t> ds_id;
    if (ds_filter) {
      auto ds = knowledge::find_datastore(c, org, *ds_filter);
      if (!ds) return knowledge::UploadPage{};
      ds_id = ds->id;
    }
    return knowledge::list_uploads(c, org, status, ds_id, limit, offset);
  });
  auto page = co_await std::move(listing);
  json::array items;
  for (const auto& u : page.uploads) items.push_back(upload_json(u, false));
  co_return http::json_response(200, {{"uploads", std::move(items)}, {"total", page.total}, {"limit", limit}, {"offset", offset}});
}

net::awaitable<http::Response> get_upload(App& app, http::RequestContext& ctx) {
  const auto org = ctx.principal->org.org_id;
  const std::string id = ctx.param("upload_id");
  auto finding = app.read_db([org, id](db::Conn& c) { return knowledge::find_upload(c, org, id); });
  auto u = co_await std::move(finding);
  if (!u) throw not_found("upload_not_found", "Upload not found: " + id);
  co_return http::json_response(200, upload_json(*u, true));
}

net::awaitable<http::Response> search(App& app, http::RequestContext& ctx) {
  const json::object o = parse_object(ctx.request.body());
  const auto* query = o.if_contains("query");
  if (!query || !query->is_string() || query->as_string().empty())
    throw validation("invalid_request", "query is required", "query");
  if (query->as_string().size() > 2000) throw validation("invalid_request", "query is longer than 2000 characters", "query");
  int top_k = 5;
  if (const auto* k = o.if_contains("top_k"); k && !k->is_null()) {
    if (!k->is_int64() || k->as_int64() < 1 || k->as_int64() > 50)
      throw validation("invalid_request", "top_k must be an integer between 1 and 50", "top_k");
    top_k = static_cast<int>(k->as_int64());
  }
  std::vector<std::string> filenames;
  if (const auto* f = o.if_contains("filenames"); f && !f->is_null()) {
    if (!f->is_array() || f->as_array().size() > 100)
      throw validation("invalid_request", "filenames must be an array of file names", "filenames");
    for (const auto& n : f->as_array()) {
      if (!n.is_string()) throw validation("invalid_request", "filenames must be an array of file names", "filenames");
      filenames.emplace_back(n.as_string());
    }
  }
  const Datastore ds = co_await need_datastore(app, ctx);
  auto searching = app.read_db([ds, q = std::string(query->as_string()), top_k, filenames](db::Conn& c) {
    return knowledge::search(c, ds, q, top_k, filenames);
  });
  auto hits = co_await std::move(searching);
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
  co_return http::json_response(200, {{"datastore_id", ds.public_id}, {"query", query->as_string()}, {"results", std::move(results)}});
}

}  // namespace

void register_rag_routes(App& app) {
  using http::bhttp::verb;
  const auto d = http::Dialect::external;
  auto bind = [&app](net::awaitable<http::Response> (*fn)(App&, http::RequestContext&)) {
    return [&app, fn](http::RequestContext& ctx) { return fn(app, ctx); };
  };
  app.router.add({verb::post, "/api/external/rag/datastores", d, "rag:upload", 0, nullptr, bind(create_datastore)});
  app.router.add({verb::get, "/api/external/rag/datastores", d, "rag:read", 0, nullptr, bind(list_datastores)});
  app.router.add({verb::get, "/api/external/rag/datastores/{datastore_id}", d, "rag:read", 0, nullptr, bind(get_datastore)});
  app.router.add({verb::delete_, "/api/external/rag/datastores/{datastore_id}", d, "rag:delete", 0, nullptr,
                  bind(delete_datastore)});
  app.router.add({verb::get, "/api/external/rag/datastores/{datastore_id}/files", d, "rag:read", 0, nullptr,
                  bind(list_files)});
  app.router.add({verb::delete_, "/api/external/rag/datastores/{datastore_id}/files/{filename}", d, "rag:delete", 0,
                  nullptr, bind(delete_file)});
  app.router.add({verb::post, "/api/external/rag/datastores/{datastore_id}/search", d, "rag:read", 0, nullptr,
                  bind(search)});
  app.router.add({verb::post, "/api/external/rag/upload", d, "rag:upload", app.config.http.upload_body_limit,
                  [&app](const http::RequestContext& ctx) { return upload_estimate(app, ctx); }, bind(upload)});
  app.router.add({verb::get, "/api/external/rag/uploads", d, "rag:read", 0, nullptr, bind(list_uploads)});
  app.router.add({verb::get, "/api/external/rag/uploads/{upload_id}", d, "rag:read", 0, nullptr, bind(get_upload)});
}

}  // namespace agentd::api
