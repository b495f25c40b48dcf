#include "content/content_service.hpp"

#include "access/credits.hpp"
#include "content/builtin_generators.hpp"
#include "core/ids.hpp"
#include "core/log.hpp"
#include "core/offload.hpp"
#include "db/store.hpp"
#include "jobs/queue.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include <algorithm>

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace agentd::content {
namespace net = boost::asio;
namespace json = boost::json;
namespace {

constexpr std::size_t kMaxPrompt = 4000;
constexpr std::size_t kMaxInput = 16 * 1024;  // a Replicate model's input, serialized

std::string join_quoted(const std::vector<std::string>& v) {
  std::string out = "[";
  for (std::size_t i = 0; i < v.size(); ++i) out += (i ? ", '" : "'") + v[i] + "'";
  return out + "]";
}

Micros price_of(const Prices& prices, const std::string& type) {
  auto it = prices.content.find(type);
  return it == prices.content.end() ? 0 : it->second;
}

void enqueue_generation(db::Conn& c, const ContentItem& item, double now) {
  jobs::enqueue(c, {.kind = "content_generate", .org_id = item.org_id, .payload = {{"content_id", item.id}}, .max_attempts = 5}, now);
}

// generation/<type>/<id8>_<YYYYMMDD_HHMMSS>.<ext> (as the seed's storage_path), from the
// item's creation: known, and its URL signable, before the file exists.
std::string storage_path_of(const ContentItem& item, const std::string& extension) {
  std::string stamp = iso8601_unix(item.created_unix);  // 2026-01-01T10:00:00Z
  stamp = stamp.substr(0, 4) + stamp.substr(5, 2) + stamp.substr(8, 2) + "_" + stamp.substr(11, 2) + stamp.substr(14, 2) +
          stamp.substr(17, 2);
  return "generation/" + item.content_type + "/" + item.id.substr(0, 8) + "_" + stamp + "." + extension;
}

std::string storage_path_of(const ContentItem& item) { return storage_path_of(item, builtin_extension(item.content_type)); }

// A provider's file keeps its own extension when storage knows it (webp, jpg, mp3 ...), else
// the type's.
std::string extension_of_url(const std::string& url, const std::string& content_type) {
  std::string path = url.substr(0, url.find_first_of("?#"));
  path = path.substr(path.rfind('/') + 1);
  const auto dot = path.rfind('.');
  std::string ext = dot == std::string::npos ? "" : path.substr(dot + 1);
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return known_extension(ext) ? ext : builtin_extension(content_type);
}

// Generation is background work: the thread that runs it yields the CPU to the io thread and
// the SQLite worker (nice 19, this thread only, once per thread), so requests stay fast while
// the cores draw; unlike SCHED_IDLE it still progresses on a server that is never idle
// (bench/README.md, "Generated content").
void yield_to_requests() {
  thread_local bool lowered = false;
  if (lowered) return;
  lowered = true;
  ::setpriority(PRIO_PROCESS, static_cast<id_t>(::syscall(SYS_gettid)), 19);
}

}  // namespace

AppError content_error(ErrorKind kind, std::string code, std::string message) {
  return AppError(kind, std::move(code), std::move(message));
}

net::awaitable<ContentItem> ContentService::create(NewContent r) {
  auto invalid = [](std::string message) { return content_error(ErrorKind::bad_request, "content_invalid_request", std::move(message)); };
  if (r.prompt.find_first_not_of(" \t\r\n") == std::string::npos) throw invalid("prompt is required");
  if (r.prompt.size() > kMaxPrompt) throw invalid("prompt is longer than " + std::to_string(kMaxPrompt) + " characters");
  if (std::find(content_types().begin(), content_types().end(), r.content_type) == content_types().end())
    throw invalid("Invalid content_type '" + r.content_type + "'. Must be one of: " + join_quoted(content_types()));
  if (r.model.empty()) r.model = "builtin/" + r.content_type;
  const bool replicated = r.model.rfind("replicate/", 0) == 0;
  std::optional<ReplicateModel> remote;
  if (replicated) {
    if (!replicate_.configured())
      throw content_error(ErrorKind::bad_request, "model_not_configured",
                          "Model '" + r.model + "' needs the Replicate provider, which is not configured on this server");
    remote = parse_replicate_model(r.model);
    if (!remote) throw invalid("Invalid model '" + r.model + "': a Replicate model is replicate/OWNER/NAME or replicate/OWNER/NAME:VERSION");
    if (json::serialize(r.input).size() > kMaxInput) throw invalid("input is larger than " + std::to_string(kMaxInput) + " bytes");
  } else if (r.model != "builtin/" + r.content_type) {
    throw invalid("Invalid model '" + r.model + "' for content_type '" + r.content_type + "': use builtin/" + r.content_type +
                  " or replicate/OWNER/NAME");
  }
  ContentItem item;
  item.id = uuid_v4();
  item.org_id = r.org_id;
  item.user_id = r.user_id;
  item.content_type = r.content_type;
  item.prompt = r.prompt;
  item.model = r.model;
  if (remote) {
    // Sent as the prediction's input: the caller's input with the prompt.
    item.input = r.input;
    item.replicate_input = r.input;
    (*item.replicate_input)["prompt"] = r.prompt;
    if (!remote->version.empty()) item.replicate_version = remote->version;
  } else {
    try {
      item.input = builtin_input(r.content_type, r.input);
    } catch (const AppError& e) {
      throw invalid(e.message);  // in the content routes' words: {"detail": "input.width must be ..."}
    }
  }
  const double now = clock_.unix_seconds();
  item.created_unix = now;
  item.created_at = iso8601_unix(now);
  const Micros price = price_of(prices_, r.content_type);
  auto work = db_.write([item, price, key = r.key_id, now](db::Conn& c) mutable {
    item.reservation_id = access::reserve_credits(c, item.org_id, key, price, "content:" + item.id, true).id;
    insert_item(c, item);
    enqueue_generation(c, item, now);
    return item;
  });
  ContentItem created = co_await std::move(work);
  jobs_.wake();
  co_return created;
}

net::awaitable<ItemPage> ContentService::list(std::int64_t org_id, std::string content_type, std::string status,
                                              std::int64_t offset, std::int64_t limit) {
  if (!content_type.empty() && std::find(content_types().begin(), content_types().end(), content_type) == content_types().end())
    throw content_error(ErrorKind::bad_request, "content_invalid_filter",
                        "Invalid content_type '" + content_type + "'. Must be one of: " + join_quoted(content_types()));
  if (!status.empty() && std::find(content_statuses().begin(), content_statuses().end(), status) == content_statuses().end())
    throw content_error(ErrorKind::bad_request, "content_invalid_filter",
                        "Invalid status '" + status + "'. Must be one of: " + join_quoted(content_statuses()));
  auto work = db_.read([=](db::Conn& c) { return list_items(c, org_id, content_type, status, offset, limit); });
  co_return co_await std::move(work);
}

net::awaitable<ContentItem> ContentService::get(std::int64_t org_id, std::string id) {
  auto work = db_.read([org_id, id](db::Conn& c) {
    auto item = find_item(c, org_id, id);
    if (!item) throw content_error(ErrorKind::not_found, "content_not_found", "Content not found: " + id);
    return std::move(*item);
  });
  co_return co_await std::move(work);
}

net::awaitable<Retried> ContentService::retry(std::int64_t org_id, std::string key_id, std::string id) {
  auto work = db_.write([this, org_id, key_id, id, now = clock_.unix_seconds()](db::Conn& c) {
    auto item = find_item(c, org_id, id);
    if (!item) throw content_error(ErrorKind::not_found, "content_not_found", "Content not found: " + id);
    if (item->status != "failed")
      throw content_error(ErrorKind::bad_request, "content_not_retryable",
                          "Cannot retry content with status '" + item->status + "'. Only failed content can be retried.");
    if (item->retry_count >= item->max_retries)
      throw content_error(ErrorKind::bad_request, "content_retries_exhausted",
                          "Maximum retry attempts (" + std::to_string(item->max_retries) + ") reached for this content.");
    const auto hold = access::reserve_credits(c, org_id, key_id, price_of(prices_, item->content_type), "content:" + id, true);
    requeue_item(c, id, hold.id);
    enqueue_generation(c, *item, now);
    return Retried{id, item->retry_count + 1, item->max_retries};
  });
  Retried r = co_await std::move(work);
  jobs_.wake();
  co_return r;
}

net::awaitable<void> ContentService::generate(const jobs::Job& job, jobs::JobContext& ctx) {
  const std::string id(job.payload.at("content_id").as_string());
  auto starting = db_.write([id, now = clock_.unix_seconds()](db::Conn& c) -> std::optional<ContentItem> {
    if (!start_item(c, id, now)) return std::nullopt;
    return find_item(c, id);
  });
  const std::optional<ContentItem> item = co_await std::move(starting);
  if (!item) co_return;  // completed or failed already
  std::string output_url;
  std::string path;
  if (item->model.rfind("replicate/", 0) == 0) {
    auto predicting = predict(*item, ctx, output_url);
    path = co_await std::move(predicting);
  } else {
    auto drawing = draw(*item);
    path = co_await std::move(drawing);
  }
  if (ctx.cancelled->load() || path.empty()) co_return;
  auto finishing = db_.write([item = *item, path, price = price_of(prices_, item->content_type), now = clock_.unix_seconds(),
                              url = output_url.empty() ? std::nullopt : std::optional<std::string>(output_url)](db::Conn& c) {
    Micros charged = 0;
    if (auto hold = access::find_reservation(c, item.reservation_id))
      charged = access::settle_credits(c, *hold, price, "content generation (" + item.content_type + ")");
    complete_item(c, item, path, url, charged, now);
  });
  co_await std::move(finishing);
}

net::awaitable<std::string> ContentService::draw(const ContentItem& item) {
  // Drawn and written on the generation pool, never on the io thread.
  auto drawing = offload(generation_pool_, [this, item] {
    yield_to_requests();
    Generated g;
    try {
      g = generate_builtin(item.content_type, item.prompt, item.input);
    } catch (const std::exception& e) {
      throw jobs::JobError(std::string("Generation failed: ") + e.what(), true);
    }
    const std::string path = storage_path_of(item);
    storage_.write(path, g.bytes);
    return path;
  });
  co_return co_await std::move(drawing);
}

// Replicate's own failures are final (a failed or canceled prediction, a refusal, no output):
// another attempt would pay again for the same answer. Replicate being unreachable after the
// client's retries is transient: the queue tries the job again later with backoff, and a job
// that already has its prediction reads it instead of creating another.
net::awaitable<std::string> ContentService::predict(const ContentItem& item, jobs::JobContext& ctx, std::string& output_url) {
  const auto& settings = replicate_.settings();
  auto ex = co_await net::this_coro::executor;
  try {
    Prediction p;
    if (item.replicate_prediction_id) {
      auto reading = replicate_.get(*item.replicate_prediction_id);
      p = co_await std::move(reading);
    } else {
      auto creating = replicate_.create(*parse_replicate_model(item.model), item.replicate_input.value_or(json::object{}));
      p = co_await std::move(creating);
      auto recording = db_.write([id = item.id, p](db::Conn& c) { record_prediction(c, id, p.id, p.version); });
      co_await std::move(recording);
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(settings.timeout_seconds);
    while (!finished(p)) {
      if (ctx.cancelled->load()) co_return std::string();
      if (std::chrono::steady_clock::now() >= deadline) {
        auto cancelling = replicate_.cancel(p.id);
        co_await std::move(cancelling);
        throw jobs::JobError("Replicate prediction " + p.id + " did not finish within " + std::to_string(settings.timeout_seconds) +
                                 " seconds and was canceled",
                             true);
      }
      net::steady_timer pause(ex, std::chrono::milliseconds(settings.poll_interval_ms));
      auto waiting = pause.async_wait(net::use_awaitable);
      co_await std::move(waiting);
      try {
        auto reading = replicate_.get(p.id, false);
        p = co_await std::move(reading);
      } catch (const ReplicateUnavailable& e) {
        log::warn("content " + item.id + ": " + e.what() + "; polling again until the deadline");
      }
    }
    if (p.status == "failed")
      throw jobs::JobError("Replicate prediction " + p.id + " failed: " + (p.error.empty() ? "no reason given" : p.error), true);
    if (p.status != "succeeded") throw jobs::JobError("Replicate prediction " + p.id + " was " + p.status, true);
    if (p.output_url.empty()) throw jobs::JobError("Replicate prediction " + p.id + " succeeded without an output file", true);
    auto downloading = replicate_.download(p.output_url);
    const std::string bytes = co_await std::move(downloading);
    output_url = p.output_url;
    const std::string path = storage_path_of(item, extension_of_url(p.output_url, item.content_type));
    auto writing = offload(generation_pool_, [this, path, &bytes] { storage_.write(path, bytes); });
    co_await std::move(writing);
    co_return path;
  } catch (const ReplicateRefused& e) {
    throw jobs::JobError(e.what(), true);
  } catch (const ReplicateUnavailable& e) {
    throw jobs::JobError(e.what(), false);
  }
}

net::awaitable<std::string> ContentService::tool_result(agents::ContentRequest r) {
  NewContent n;
  n.org_id = r.org_id;
  n.user_id = r.user_id;
  n.prompt = r.prompt;
  if (!r.content_type.empty()) n.content_type = r.content_type;
  std::optional<ContentItem> item;
  std::string failure;
  try {
    auto creating = create(std::move(n));
    item = co_await std::move(creating);
  } catch (const AppError& e) {
    failure = e.message;
  }
  if (!item) co_return json::serialize(json::object{{"message", "I could not generate that: " + failure}});
  const std::string path = storage_path_of(*item);
  const std::string url = "/storage/" + path + "?sig=" + storage_.signature(path);
  const std::string& type = item->content_type;
  const std::string what = type == "image" ? "an image" : type == "audio" ? "audio" : type == "video" ? "a video"
                         : type == "glb"   ? "a 3D model"
                                           : "a document";
  co_return json::serialize(json::object{
      {"message", "I am generating " + what + " of \"" + item->prompt +
                      "\": content " + item->id + ", at " + url + " when it is ready."},
      {"content_id", item->id},
      {"storage_url", url}});
}

void ContentService::register_jobs() {
  jobs::KindOptions options;
  options.concurrency = 2;
  options.lease_seconds = 300;
  options.max_attempts = 5;
  // Failed for good (a broken generation, retries spent, the watchdog, repeated restarts): the
  // item fails with the reason and its hold is released, in the transaction that fails the job.
  options.on_failed = [this](db::Conn& c, const jobs::Job& job, const std::string& reason) {
    const std::string id(job.payload.at("content_id").as_string());
    if (auto item = find_item(c, id)) {
      if (auto hold = access::find_reservation(c, item->reservation_id)) access::release_credits(c, *hold);
      fail_item(c, id, reason, clock_.unix_seconds());
    }
  };
  jobs_.add_kind("content_generate", options, [this](const jobs::Job& job, jobs::JobContext& ctx) { return generate(job, ctx); });
}

}  // namespace agentd::content
