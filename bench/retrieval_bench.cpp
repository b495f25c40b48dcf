// Retrieval quality against the real agentd binary (Release), as a user meets it: the corpus
// in bench/retrieval/corpus (real documents: PDF, HTML, Markdown, DOCX) uploaded to one
// knowledge base; every question of bench/retrieval/questions.json searched (top_k 5, the
// route a client calls); recall@1, recall@5, MRR@5 and the right document in the top 5,
// against the file and page (or section heading) that holds the answer. Then each question
// is asked in a chat with an agent on that knowledge base (the builtin model): an answerable
// one should cite its document; one whose answer is in no file is answered honestly with no
// citation and no [n] marker (API.md 7: it says plainly that it found nothing).
// Usage: retrieval_bench AGENTD_BINARY RETRIEVAL_DIR
#include "agentd_process.hpp"

#include <boost/beast/core/detail/base64.hpp>
#include <boost/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

namespace json = boost::json;
namespace fs = std::filesystem;

namespace {

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string base64(const std::string& bytes) {
  std::string out(boost::beast::detail::base64::encoded_size(bytes.size()), '\0');
  out.resize(boost::beast::detail::base64::encode(out.data(), bytes.data(), bytes.size()));
  return out;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  s.erase(std::remove(s.begin(), s.end(), '`'), s.end());
  return s;
}

struct Client {
  agentd::bench::HttpClient http;
  Client(unsigned short port, const std::string& key) : http(port, "X-API-Key", key) {}
  json::object call(const char* method, const std::string& target, const json::object& body = {}) {
    return json::parse(http.call(method, target, body.empty() ? std::string() : json::serialize(body))).as_object();
  }
};

std::string text(const json::value& v) { return v.is_string() ? std::string(v.as_string()) : json::serialize(v); }

// Whether a search result is where the answer is: its file, and its page or section.
bool holds(const json::object& result, const json::object& answer) {
  if (text(result.at("filename")) != text(answer.at("file"))) return false;
  if (const auto* pages = answer.if_contains("pages")) {
    const auto& page = result.at("page");
    if (!page.is_int64()) return false;
    for (const auto& p : pages->as_array())
      if (p.as_int64() == page.as_int64()) return true;
    return false;
  }
  if (const auto* heading = answer.if_contains("heading")) {
    const auto& h = result.at("heading");
    return h.is_string() && lower(text(h)).find(lower(text(*heading))) != std::string::npos;
  }
  return true;  // a one-section file: the file is the place
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: retrieval_bench AGENTD_BINARY RETRIEVAL_DIR\n");
    return 2;
  }
  const fs::path dir = argv[2];
  const json::object questions = json::parse(read_file(dir / "questions.json")).as_object();
  agentd::bench::AgentdProcess agentd(argv[1], {{"log_level", "warn"}}, "retrieval");
  Client api(agentd.port(), agentd.key());

  const std::string ds = text(api.call("POST", "/api/external/rag/datastores", {{"display_name", "Retrieval corpus"}}).at("datastore_id"));
  json::array files;
  std::vector<fs::path> paths;
  for (const auto& e : fs::directory_iterator(dir / "corpus"))
    if (e.path().filename() != "LICENSES.md") paths.push_back(e.path());
  std::sort(paths.begin(), paths.end());
  for (const auto& p : paths) files.push_back({{"filename", p.filename().string()}, {"content", base64(read_file(p))}});
  const auto t0 = std::chrono::steady_clock::now();
  const json::object receipt = api.call("POST", "/api/external/rag/upload", {{"datastore_id", ds}, {"files", files}});
  for (const auto& u : receipt.at("uploads").as_array()) {
    const std::string id = text(u.at("upload_id"));
    for (;;) {
      const json::object st = api.call("GET", "/api/external/rag/uploads/" + id);
      if (st.at("status") == "completed") break;
      if (st.at("status") == "failed") throw std::runtime_error("indexing failed: " + json::serialize(st));
      if (std::chrono::steady_clock::now() - t0 > std::chrono::minutes(5)) throw std::runtime_error("indexing did not finish");
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  const json::object stats = api.call("GET", "/api/external/rag/datastores/" + ds);
  std::printf("corpus: %zu files, %s chunks, indexed in %.1f s\n", paths.size(), json::serialize(stats.at("chunk_count")).c_str(),
              std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());

  int n = 0, at1 = 0, at5 = 0, document = 0;
  double mrr = 0;
  std::vector<std::string> misses;
  std::vector<double> answer_scores, unanswerable_scores;  // the answer's score; the best of the rest
  for (const auto& qv : questions.at("answerable").as_array()) {
    const json::object& q = qv.as_object();
    const json::object found =
        api.call("POST", "/api/external/rag/datastores/" + ds + "/search", {{"query", q.at("q")}, {"top_k", 5}});
    const auto& results = found.at("results").as_array();
    int rank = 0;
    bool right_file = false;
    for (std::size_t i = 0; i < results.size(); ++i) {
      right_file = right_file || text(results[i].at("filename")) == text(q.at("file"));
      if (!rank && holds(results[i].as_object(), q)) rank = static_cast<int>(i) + 1;
    }
    if (rank) answer_scores.push_back(results[static_cast<std::size_t>(rank) - 1].at("score").to_number<double>());
    ++n;
    at1 += rank == 1;
    at5 += rank > 0;
    document += right_file;
    mrr += rank ? 1.0 / rank : 0.0;
    if (rank != 1) {
      std::string top = results.empty() ? "(nothing)" : text(results[0].at("filename"));
      if (!results.empty() && results[0].at("page").is_int64()) top += " p" + json::serialize(results[0].at("page"));
      if (!results.empty() && results[0].at("heading").is_string()) top += " [" + text(results[0].at("heading")) + "]";
      if (!results.empty() && getenv("BENCH_VERBOSE")) top += "\n      " + text(results[0].at("text")).substr(0, 400);
      misses.push_back((rank ? "rank " + std::to_string(rank) : std::string("missed")) + ": " + text(q.at("q")) + "  -> top: " + top);
    }
  }

  for (const auto& qv : questions.at("unanswerable").as_array()) {
    const json::object found =
        api.call("POST", "/api/external/rag/datastores/" + ds + "/search", {{"query", qv}, {"top_k", 1}});
    const auto& results = found.at("results").as_array();
    unanswerable_scores.push_back(results.empty() ? 0.0 : results[0].at("score").to_number<double>());
  }

  const json::object agent = api.call("POST", "/api/external/agents",
                                      {{"name", "Librarian"},
                                       {"description", "answers from the manuals"},
                                       {"tools", json::array{"rag_search"}},
                                       {"datastore_ids", json::array{json::value(ds)}}});
  const std::string agent_id = text(agent.at("agent_id"));
  auto ask = [&](const json::value& question) {
    return api.call("POST", "/api/external/agents/" + agent_id + "/completions",
                    {{"messages", json::array{{{"role", "user"}, {"content", question}}}}});
  };
  // Answerable ones in the chat: answered from the right document (a citation of its file).
  int grounded = 0;
  std::vector<std::string> unfounded;
  for (const auto& qv : questions.at("answerable").as_array()) {
    const json::object chat = ask(qv.at("q"));
    bool right = false;
    for (const auto& c : chat.at("citations").as_array()) right = right || text(c.at("filename")) == text(qv.at("file"));
    grounded += right;
    if (!right)
      unfounded.push_back(text(qv.at("q")) + "  -> " + text(chat.at("choices").as_array()[0].at("message").at("content")).substr(0, 100));
  }
  int unanswerable = 0, honest = 0;
  std::vector<std::string> stitched;
  for (const auto& qv : questions.at("unanswerable").as_array()) {
    const json::object chat = ask(qv);
    const std::string answer = text(chat.at("choices").as_array()[0].at("message").at("content"));
    const bool cited = !chat.at("citations").as_array().empty() || answer.find("[1]") != std::string::npos;
    ++unanswerable;
    honest += !cited;
    if (cited) stitched.push_back(text(qv) + "  -> " + answer.substr(0, 120) + (getenv("BENCH_VERBOSE") ? json::serialize(chat.at("citations")) : ""));
  }

  std::printf("\n%d answerable questions: recall@1 %.2f, recall@5 %.2f (goal >= 0.90), MRR@5 %.2f, right document in the top 5 %.2f\n",
              n, double(at1) / n, double(at5) / n, mrr / n, double(document) / n);
  std::printf("in the chat: %d of %d answerable questions answered citing the right document; %d of %d unanswerable answered "
              "honestly, without a citation (goal: all)\n",
              grounded, n, honest, unanswerable);
  // The scores on both sides of the builtin model's floor (lib/models/builtin.cpp).
  auto print_scores = [](const char* what, std::vector<double> scores) {
    std::sort(scores.begin(), scores.end());
    std::printf("%s:", what);
    for (double s : scores) std::printf(" %.3f", s);
    std::printf("\n");
  };
  std::printf("\n");
  print_scores("scores of the answers found", answer_scores);
  print_scores("best scores for the unanswerable questions", unanswerable_scores);
  std::printf("\nNot first (rank, question, the first result):\n");
  for (const auto& m : misses) std::printf("  %s\n", m.c_str());
  std::printf("\nAnswerable, but the chat's answer cites no passage of the right document:\n");
  for (const auto& u : unfounded) std::printf("  %s\n", u.c_str());
  std::printf("\nUnanswerable but answered with citations:\n");
  for (const auto& s : stitched) std::printf("  %s\n", s.c_str());
  return 0;
}
