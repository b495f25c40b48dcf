// Indexing must not starve the request path (issue 14): against the real agentd binary
// (Release), the p99 of an authenticated read (GET /api/external/credits?limit=5, two keep-alive
// connections, one request at a time each) on the idle server, then while the generated corpus
// of index_bench (bench/corpus.hpp) is uploaded through POST /api/external/rag/upload, ten files
// a request, and indexed by the rag_index jobs. Also the indexing pace through the server, upload
// to the last file completed. Usage: indexing_reads_bench AGENTD_BINARY [MB=64]
#include "agentd_process.hpp"
#include "corpus.hpp"

#include "knowledge/base64.hpp"

#include <SQLiteCpp/SQLiteCpp.h>

#include <boost/json.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <thread>

namespace json = boost::json;
using agentd::bench::percentile;
using agentd::knowledge::FileType;
using Clock = std::chrono::steady_clock;

namespace {

const char* extension(FileType t) {
  switch (t) {
    case FileType::pdf: return ".pdf";
    case FileType::docx: return ".docx";
    case FileType::pptx: return ".pptx";
    case FileType::txt: return ".txt";
    case FileType::html: return ".html";
    case FileType::json: return ".json";
    case FileType::jsonl: return ".jsonl";
    case FileType::markdown: return ".md";
  }
  return ".txt";
}

double since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: indexing_reads_bench AGENTD_BINARY [MB]\n";
    return 2;
  }
  const std::size_t mb = argc > 2 ? std::stoul(argv[2]) : 64;
  try {
    std::printf("generating a mixed corpus of %zu MB...\n", mb);
    const auto files = agentd::bench::corpus(mb * 1'000'000);
    agentd::bench::AgentdProcess agentd(argv[1], {{"log_level", "warn"}}, "indexing-reads");
    agentd::bench::HttpClient c(agentd.port(), "X-API-Key", agentd.key());
    const std::string ds(
        json::parse(c.call("POST", "/api/external/rag/datastores", json::serialize(json::object{{"display_name", "Bench"}})))
            .at("datastore_id")
            .as_string());
    const auto idle = agentd::bench::reads(agentd, 5);

    // While the files are uploaded (the io thread also reads and decodes their bodies), then
    // while the rest is indexed with no more requests than the reads.
    std::atomic<bool> uploading_done{false}, done{false};
    std::vector<double> while_uploading, while_indexing;
    std::thread reader([&] { while_uploading = agentd::bench::reads(agentd, 1200, &uploading_done); });
    const auto t0 = Clock::now();
    for (std::size_t i = 0; i < files.size(); i += 10) {
      json::array batch;
      for (std::size_t k = i; k < std::min(i + 10, files.size()); ++k)
        batch.push_back({{"filename", files[k].name + extension(files[k].type)},
                         {"content", agentd::knowledge::encode_base64(files[k].bytes)}});
      c.call("POST", "/api/external/rag/upload", json::serialize(json::object{{"datastore_id", ds}, {"files", std::move(batch)}}));
    }
    const double uploaded = since(t0);
    uploading_done = true;
    reader.join();
    reader = std::thread([&] { while_indexing = agentd::bench::reads(agentd, 1200, &done); });
    SQLite::Database db(agentd.data_dir() + "/agentd.db", SQLite::OPEN_READONLY);
    int finished = 0, failed = 0;
    while (finished < static_cast<int>(files.size()) && since(t0) < 1200) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));  // polling the data directory
      SQLite::Statement q(db, "SELECT count(*), sum(status = 'failed') FROM uploads WHERE status IN ('completed', 'failed')");
      q.executeStep();
      finished = q.getColumn(0).getInt();
      failed = q.getColumn(1).getInt();
    }
    const double seconds = since(t0);
    done = true;
    reader.join();
    std::printf("%zu files (%zu MB) uploaded in %.1f s; %d indexed (%d failed) %.1f s after the first upload: %.1f MB/s\n",
                files.size(), mb, uploaded, finished, failed, seconds, static_cast<double>(mb) / seconds);
    auto report = [&](const char* when, const std::vector<double>& v) {
      std::printf("authenticated read, %s: %zu reads, p50 %.3f ms, p99 %.3f ms (idle p99 / this p99: %.2f)\n", when, v.size(),
                  percentile(v, 0.5) * 1e3, percentile(v, 0.99) * 1e3, percentile(idle, 0.99) / percentile(v, 0.99));
    };
    report("idle", idle);
    report("while uploading (and indexing)", while_uploading);
    report("while indexing what was uploaded", while_indexing);
  } catch (const std::exception& e) {
    std::cerr << "bench failed: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
