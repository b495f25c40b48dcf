// The RAG API (seed 001, API.md 3.4) over real HTTP, with real extraction and indexing.
#include "fixtures.hpp"
#include "harness.hpp"

#include "access/keys.hpp"
#include "knowledge/base64.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <filesystem>
#include <thread>

using namespace agentd;
using namespace agentd::testing;
namespace json = boost::json;
using knowledge::encode_base64;

namespace {

const std::vector<std::string> kRagScopes = {"rag:upload", "rag:read", "rag:delete", "credits:read"};

json::object parse(const std::string& body) { return json::parse(body).as_object(); }

class Rag : public ::testing::Test {
 protected:
  InProcessServer server;
  std::string key = server.make_key("acme", "pro", "10", kRagScopes);

  HttpResult call(const std::string& method, const std::string& target, const std::string& body = "",
                  const std::string& as = "") {
    Headers h{{"X-API-Key", as.empty() ? key : as}};
    if (!body.empty()) h.emplace_back("Content-Type", "application/json");
    return http_call(server.port(), method, "/api/external/rag" + target, h, body);
  }
  std::string create(const std::string& name, const std::string& as = "") {
    auto r = call("POST", "/datastores", json::serialize(json::object{{"display_name", name}}), as);
    EXPECT_EQ(r.status, 200) << r.body;
    return std::string(parse(r.body).at("datastore_id").as_string());
  }
  static json::object file(const std::string& name, const std::string& bytes) {
    return {{"filename", name}, {"content", encode_base64(bytes)}};
  }
  HttpResult upload(const std::string& ds, json::array files, const std::string& as = "") {
    return call("POST", "/upload", json::serialize(json::object{{"datastore_id", ds}, {"files", std::move(files)}}), as);
  }
  // The seed's wait_for_upload, with a deadline instead of sleeps of seconds.
  json::object wait_done(const std::string& upload_id) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (true) {
      auto data = parse(call("GET", "/uploads/" + upload_id).body);
      if (data.at("ready").as_bool() || data.at("status").as_string() == "failed") return data;
      if (std::chrono::steady_clock::now() > deadline) return data;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));  // poll interval
    }
  }
  std::vector<std::string> upload_ids(const HttpResult& r) {
    std::vector<std::string> ids;
    const json::object body = parse(r.body);
    for (const auto& u : body.at("uploads").as_array()) ids.emplace_back(u.at("upload_id").as_string());
    return ids;
  }
  json::array search(const std::string& ds, const std::string& query, json::object extra = {}) {
    extra["query"] = query;
    auto r = call("POST", "/datastores/" + ds + "/search", json::serialize(extra));
    EXPECT_EQ(r.status, 200) << r.body;
    return parse(r.body).at("results").as_array();
  }
  // Both indexes stay exactly what their chunks hold (a 'delete' carrying other values than were
  // indexed, or a chunk missing from an index, would corrupt an external-content FTS5 index).
  // SQLite 3.40's integrity-check does not compare an index with its external content: a row
  // in each index (its size record) for every chunk the index takes is counted here.
  void expect_indexes_intact() {
    EXPECT_NO_THROW(server.app().store.write([](db::Conn& c) {
      c.exec("INSERT INTO chunks_words(chunks_words) VALUES ('integrity-check')");
      c.exec("INSERT INTO chunks_trigram(chunks_trigram) VALUES ('integrity-check')");
    }));
    auto count = [&](const char* sql) {
      return server.app().store.read([sql](db::Conn& c) {
        auto& q = c.prepare(sql);
        q.executeStep();
        return q.getColumn(0).getInt64();
      });
    };
    EXPECT_EQ(count("SELECT count(*) FROM chunks_words_docsize"), count("SELECT count(*) FROM chunks"));
    EXPECT_EQ(count("SELECT count(*) FROM chunks_trigram_docsize"),
              count("SELECT count(*) FROM chunks WHERE length(CAST(text AS BLOB)) != length(text)"));
  }
};

}  // namespace

TEST_F(Rag, CreateAndListDatastoresAsTheSeedShows) {
  auto r = call("POST", "/datastores", R"({"display_name":"Company Policies","description":"HR policies and employee handbook"})");
  ASSERT_EQ(r.status, 200);
  auto o = parse(r.body);
  const std::string id(o.at("datastore_id").as_string());
  ASSERT_EQ(id.rfind("company-policies-", 0), 0u);
  ASSERT_EQ(id.size(), std::string("company-policies-").size() + 8);
  EXPECT_EQ(r.body, R"({"success":true,"datastore_id":")" + id +
                        R"(","display_name":"Company Policies","description":"HR policies and employee handbook","message":"DataStore 'Company Policies' created successfully"})");
  auto dup = call("POST", "/datastores", R"({"display_name":"Company Policies"})");
  EXPECT_EQ(dup.status, 409);
  EXPECT_EQ(dup.body, R"({"detail":{"error":{"message":"DataStore with name 'Company Policies' already exists","type":"conflict","code":"datastore_exists","existing_datastore_id":")" +
                          id + R"("}}})");
  create("Product Documentation");
  auto list = parse(call("GET", "/datastores").body);
  EXPECT_EQ(list.at("total").as_int64(), 2);
  auto first = list.at("datastores").as_array()[1].as_object();
  EXPECT_EQ(first.at("datastore_id").as_string(), id);
  EXPECT_EQ(first.at("description").as_string(), "HR policies and employee handbook");
  EXPECT_EQ(first.at("document_count").as_int64(), 0);
  EXPECT_TRUE(first.at("is_active").as_bool());
  EXPECT_TRUE(list.at("datastores").as_array()[0].at("description").is_null());
  EXPECT_EQ(call("POST", "/datastores", R"({"description":"x"})").status, 400);
}

TEST_F(Rag, UploadIndexSearchAndInspectAsTheSeedShows) {
  const std::string ds = create("Company Policies");
  auto r = upload(ds, {file("policy.txt", "Employees receive 25 days of paid vacation every year.\n")});
  ASSERT_EQ(r.status, 200) << r.body;
  const std::string id = upload_ids(r)[0];
  EXPECT_EQ(r.body, R"({"success":true,"datastore_id":")" + ds + R"(","datastore_name":"Company Policies","uploads":[{"upload_id":")" +
                        id + R"(","filename":"policy.txt","status":"processing"}],"message":"1 file(s) upload started"})");
  auto done = wait_done(id);
  EXPECT_EQ(done.at("status").as_string(), "completed");
  EXPECT_TRUE(done.at("ready").as_bool());
  EXPECT_EQ(done.at("file_size").as_int64(), 55);
  EXPECT_EQ(done.at("file_type").as_string(), "text/plain");
  EXPECT_EQ(done.at("datastore_name").as_string(), "Company Policies");
  EXPECT_TRUE(done.at("error_message").is_null());
  EXPECT_FALSE(done.at("indexed_at").is_null());

  auto uploads = parse(call("GET", "/uploads?limit=10&status=completed").body);
  EXPECT_EQ(uploads.at("total").as_int64(), 1);
  EXPECT_EQ(uploads.at("limit").as_int64(), 10);
  EXPECT_EQ(uploads.at("uploads").as_array()[0].at("upload_id").as_string(), id);
  EXPECT_EQ(parse(call("GET", "/uploads?status=failed").body).at("total").as_int64(), 0);
  EXPECT_EQ(call("GET", "/uploads?status=lost").status, 400);
  EXPECT_EQ(call("GET", "/uploads?limit=101").status, 400);

  auto files = parse(call("GET", "/datastores/" + ds + "/files").body);
  EXPECT_EQ(files.at("total_files").as_int64(), 1);
  EXPECT_EQ(files.at("indexed_files").as_int64(), 1);
  EXPECT_EQ(files.at("files").as_array()[0].at("name").as_string(), "policy.txt");

  auto hits = search(ds, "How many vacation days?");
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].at("upload_id").as_string(), id);
  EXPECT_EQ(hits[0].at("line").as_int64(), 1);
  EXPECT_TRUE(hits[0].at("page").is_null());
  auto detail = parse(call("GET", "/datastores/" + ds).body);
  EXPECT_EQ(detail.at("document_count").as_int64(), 1);
  EXPECT_EQ(detail.at("chunk_count").as_int64(), 1);
  EXPECT_EQ(detail.at("total_bytes").as_int64(), 55);
  EXPECT_EQ(detail.at("connected_agents").as_array().size(), 0u);

  auto missing = call("GET", "/uploads/550e8400-e29b-41d4-a716-446655440000");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.body, R"({"detail":{"error":{"message":"Upload not found: 550e8400-e29b-41d4-a716-446655440000","type":"not_found","code":"upload_not_found"}}})");
}

// Scores are relevance (knowledge/relevance.hpp): in [0, 1), ordered, comparable across queries.
TEST_F(Rag, ScoresSayHowMuchOfTheQuestionAPassageHolds) {
  const std::string ds = create("Handbook");
  json::array files;
  files.push_back(file("vacation.txt", "Employees receive 25 days of paid vacation every year."));
  files.push_back(file("requests.txt", "Vacation requests go to your manager two weeks ahead."));
  files.push_back(file("office.txt", "The office opens at eight and closes at six on weekdays."));
  files.push_back(file("parking.txt", "Parking spaces are assigned by the facilities team each year."));
  files.push_back(file("lunch.txt", "Lunch is served in the canteen from noon until two."));
  for (const auto& id : upload_ids(upload(ds, files))) EXPECT_EQ(wait_done(id).at("status").as_string(), "completed");

  const auto hits = search(ds, "How many days of paid vacation do employees get?");
  ASSERT_EQ(hits.size(), 2u);
  EXPECT_EQ(hits[0].at("filename").as_string(), "vacation.txt");
  EXPECT_EQ(hits[1].at("filename").as_string(), "requests.txt");
  const double all = hits[0].at("score").to_number<double>(), one = hits[1].at("score").to_number<double>();
  EXPECT_GT(one, 0.0);
  EXPECT_GT(all, 3 * one);  // four of the question's words against one of them
  EXPECT_LT(all, 1.0);
  // The same passage, asked with a word no document holds, scores lower: the question's weight
  // is spread over more words.
  const auto vaguer = search(ds, "How many days of paid vacation do employees get on sabbaticals?");
  ASSERT_FALSE(vaguer.empty());
  EXPECT_EQ(vaguer[0].at("filename").as_string(), "vacation.txt");
  EXPECT_LT(vaguer[0].at("score").to_number<double>(), all);
}

// A short query's passages holding all its words come first when there are top_k of them.
TEST_F(Rag, TwoWordQueriesRankPassagesHoldingBothWords) {
  const std::string ds = create("Notes");
  json::array files;
  for (int i = 0; i < 5; ++i)
    files.push_back(file("both" + std::to_string(i) + ".txt", "Paid vacation is planned with the team, note " + std::to_string(i) + "."));
  // One of the words, many times in a short passage: under any-word ranking it would come first
  // (paid, in most files, weighs almost nothing).
  files.push_back(file("one.txt", "Vacation. Vacation vacation vacation."));
  for (int i = 0; i < 10; ++i) files.push_back(file("paid" + std::to_string(i) + ".txt", "Paid parking is available, note " + std::to_string(i) + "."));
  for (int i = 0; i < 10; ++i) files.push_back(file("other" + std::to_string(i) + ".txt", "Quarterly budgets are reviewed in March."));
  for (std::size_t i = 0; i < files.size(); i += 10) {  // ten files per upload at most
    json::array batch(files.begin() + static_cast<std::ptrdiff_t>(i), files.begin() + static_cast<std::ptrdiff_t>(std::min(i + 10, files.size())));
    for (const auto& id : upload_ids(upload(ds, batch))) EXPECT_EQ(wait_done(id).at("status").as_string(), "completed");
  }
  const auto hits = search(ds, "paid vacation", {{"top_k", 5}});
  ASSERT_EQ(hits.size(), 5u);
  for (const auto& h : hits) EXPECT_EQ(std::string(h.at("filename").as_string()).rfind("both", 0), 0u) << h.at("filename");
  // Fewer than top_k hold both: every passage holding either is ranked, and the short one leads.
  const auto wider = search(ds, "paid vacation", {{"top_k", 10}});
  ASSERT_EQ(wider.size(), 10u);
  EXPECT_EQ(wider[0].at("filename").as_string(), "one.txt");
}

TEST_F(Rag, AllEightTypesAreIndexedWithTheirLocations) {
  const std::string ds = create("Everything");
  json::array files{
      file("notes.txt", "Plain text mentions the aardvark.\n"),
      file("guide.md", "# Intro\nhello\n\n## Parking\nThe garage opens at seven.\n"),
      file("page.html", "<h1>Canteen</h1><script>var x='zebra';</script><p>Lunch is served at noon.</p>"),
      file("data.json", R"({"office":{"city":"Lisbon"}})"),
      file("log.jsonl", "{\"event\":\"start\"}\n{\"event\":\"quokka sighted\"}\n"),
      file("report.pdf", make_pdf({"Quarterly numbers", "Revenue grew in the second quarter"})),
      file("memo.docx", make_docx({{"Heading1", "Security"}, {"", "Badges must be worn visibly."}})),
      file("deck.pptx", make_pptx({{"Hello", "Welcome", ""}, {"Roadmap", "Launch the glacier project", "Mention dates"}})),
  };
  auto r = upload(ds, std::move(files));
  ASSERT_EQ(r.status, 200) << r.body;
  for (const auto& id : upload_ids(r)) {
    auto d = wait_done(id);
    EXPECT_EQ(d.at("status").as_string(), "completed") << d.at("filename").as_string() << ": " << json::serialize(d);
  }
  auto where = [&](const std::string& q) {
    auto hits = search(ds, q, {{"top_k", 1}});
    return hits.empty() ? json::object{} : hits[0].as_object();
  };
  EXPECT_EQ(where("aardvark").at("filename").as_string(), "notes.txt");
  auto md = where("garage");
  EXPECT_EQ(md.at("filename").as_string(), "guide.md");
  EXPECT_EQ(md.at("heading").as_string(), "Parking");
  EXPECT_EQ(where("lunch").at("heading").as_string(), "Canteen");
  EXPECT_TRUE(where("zebra").empty());  // script text is not indexed
  EXPECT_NE(where("Lisbon").at("text").as_string().find("office.city: Lisbon"), std::string::npos);
  auto jl = where("quokka");
  EXPECT_EQ(jl.at("filename").as_string(), "log.jsonl");
  EXPECT_EQ(jl.at("line").as_int64(), 2);
  auto pdf = where("revenue");
  EXPECT_EQ(pdf.at("filename").as_string(), "report.pdf");
  EXPECT_EQ(pdf.at("page").as_int64(), 2);
  EXPECT_EQ(where("badges").at("heading").as_string(), "Security");
  auto slide = where("glacier");
  EXPECT_EQ(slide.at("slide").as_int64(), 2);
  EXPECT_EQ(slide.at("heading").as_string(), "Roadmap");
  // The filename filter.
  EXPECT_TRUE(search(ds, "glacier", {{"filenames", json::array{"notes.txt"}}}).empty());
  const auto only = search(ds, "glacier aardvark", {{"filenames", json::array{"notes.txt", "deck.pptx"}}});
  ASSERT_EQ(only.size(), 2u);
  EXPECT_GT(only[0].at("score").as_double(), 0.0);
  EXPECT_EQ(parse(call("GET", "/datastores/" + ds + "/files").body).at("indexed_files").as_int64(), 8);
}

TEST_F(Rag, KoreanJapaneseAndChineseTextIsFound) {
  const std::string ds = create("다국어");
  EXPECT_EQ(ds.rfind("datastore-", 0), 0u);
  auto r = upload(ds, {file("ko.txt", "휴가 정책: 직원은 매년 연차휴가를 사용할 수 있습니다.\n"),
                       file("ja.md", "# 休暇\n従業員は有給休暇を取得できます。\n"),
                       file("zh.txt", "员工每年可以享受带薪年假。\n")});
  for (const auto& id : upload_ids(r)) EXPECT_EQ(wait_done(id).at("status").as_string(), "completed");
  EXPECT_EQ(search(ds, "연차휴가를")[0].at("filename").as_string(), "ko.txt");   // a whole word
  EXPECT_EQ(search(ds, "연차휴가")[0].at("filename").as_string(), "ko.txt");     // a substring (trigram)
  EXPECT_EQ(search(ds, "휴가")[0].at("filename").as_string(), "ko.txt");         // two characters
  EXPECT_EQ(search(ds, "有給休暇")[0].at("filename").as_string(), "ja.md");
  EXPECT_EQ(search(ds, "带薪年假")[0].at("filename").as_string(), "zh.txt");
  EXPECT_TRUE(search(ds, "xylophone").empty());
}

TEST_F(Rag, PartialWordsAreFoundAsPrefixes) {
  const std::string ds = create("Prefixes");
  auto id = upload_ids(upload(ds, {file("hr.txt", "Employees accrue vacation monthly.")}))[0];
  wait_done(id);
  EXPECT_EQ(search(ds, "vacat").size(), 1u);
  EXPECT_EQ(search(ds, "accru").size(), 1u);
  EXPECT_TRUE(search(ds, "cation").empty());  // ASCII text has no substring index
}

TEST_F(Rag, BrokenFilesEndFailedWithAReason) {
  const std::string ds = create("Broken");
  auto r = upload(ds, {file("a.pdf", "%PDF-1.4 nothing else"), file("b.docx", "not a zip"),
                       file("c.pptx", make_zip({{"x.txt", "y"}})), file("d.json", "{\"unterminated\":"),
                       file("e.txt", ""), file("f.txt", "A sound file indexed in the same batch.")});
  ASSERT_EQ(r.status, 200);
  // The uploads of one request are indexed as one batch of jobs; each keeps its own outcome.
  const std::vector<std::string> reasons = {"PDF could not be read: the file is corrupt", "DOCX is not a valid zip archive",
                                            "PPTX has no ppt/presentation.xml: not a presentation",
                                            "JSON file is not valid JSON: incomplete JSON", "The file is empty", ""};
  auto ids = upload_ids(r);
  ASSERT_EQ(ids.size(), reasons.size());
  for (std::size_t i = 0; i < ids.size(); ++i) {
    auto d = wait_done(ids[i]);
    EXPECT_EQ(d.at("status").as_string(), reasons[i].empty() ? "completed" : "failed");
    EXPECT_EQ(d.at("ready").as_bool(), reasons[i].empty());
    if (!reasons[i].empty()) EXPECT_EQ(d.at("error_message").as_string(), reasons[i]);
  }
  auto files = parse(call("GET", "/datastores/" + ds + "/files").body);
  EXPECT_EQ(files.at("total_files").as_int64(), 6);
  EXPECT_EQ(files.at("indexed_files").as_int64(), 1);
  EXPECT_EQ(parse(call("GET", "/datastores").body).at("datastores").as_array()[0].at("document_count").as_int64(), 1);
  EXPECT_EQ(search(ds, "sound batch").size(), 1u);
}

TEST_F(Rag, InvalidRequestsStoreNothingAndAnswerTheSeedsErrors) {
  const std::string ds = create("Strict");
  auto ext = upload(ds, {file("good.txt", "fine"), file("virus.exe", "MZ")});
  EXPECT_EQ(ext.status, 400);
  EXPECT_EQ(ext.body, R"({"detail":{"error":{"message":"Unsupported file extension: .exe","type":"validation_error","code":"unsupported_file_type"}}})");
  auto big = upload(ds, {file("big.txt", std::string(10 * 1024 * 1024 + 1, 'a'))});
  EXPECT_EQ(big.status, 400);
  EXPECT_EQ(big.body, R"({"detail":{"error":{"message":"File size exceeds 10MB limit","type":"validation_error","code":"file_too_large"}}})");
  auto b64 = upload(ds, {json::object{{"filename", "x.txt"}, {"content", "aGVsbG8"}}});
  EXPECT_EQ(b64.status, 400);
  EXPECT_EQ(b64.body, R"({"detail":{"error":{"message":"Base64 decoding failed: Invalid padding","type":"validation_error","code":"invalid_base64"}}})");
  auto nods = upload("invalid-datastore-id", {file("x.txt", "x")});
  EXPECT_EQ(nods.status, 404);
  EXPECT_EQ(nods.body, R"({"detail":{"error":{"message":"DataStore not found: invalid-datastore-id. Create it first using POST /rag/datastores","type":"not_found","code":"datastore_not_found"}}})");
  json::array eleven;
  for (int i = 0; i < 11; ++i) eleven.push_back(file("f" + std::to_string(i) + ".txt", "x"));
  EXPECT_EQ(upload(ds, eleven).status, 400);
  EXPECT_EQ(upload(ds, {}).status, 400);
  EXPECT_EQ(upload(ds, {file("../escape.txt", "x")}).status, 400);
  EXPECT_EQ(call("POST", "/upload", "not json").status, 400);
  // Nothing of the above was stored or billed.
  EXPECT_EQ(parse(call("GET", "/uploads").body).at("total").as_int64(), 0);
  EXPECT_FALSE(std::filesystem::exists(std::filesystem::path(server.app().config.data_dir) / "uploads"));
  auto credits = http_call(server.port(), "GET", "/api/external/credits", {{"X-API-Key", key}});
  EXPECT_EQ(parse(credits.body).at("balance").as_string(), "10.000000");
}

TEST_F(Rag, UploadsAreBilledPerStartedMegabyteOfEachFile) {
  const std::string ds = create("Billing");
  ASSERT_EQ(upload(ds, {file("a.txt", "small"), file("b.txt", std::string(1'500'000, 'b'))}).status, 200);
  auto credits = http_call(server.port(), "GET", "/api/external/credits", {{"X-API-Key", key}});
  EXPECT_EQ(parse(credits.body).at("balance").as_string(), "9.997000");  // 1 MB + 2 MB started
}

TEST_F(Rag, TheSameFilenameReplacesTheOldFileOnceIndexed) {
  const std::string ds = create("Versions");
  auto v1 = upload_ids(upload(ds, {file("policy.txt", "Old rule: apples are allowed.")}))[0];
  wait_done(v1);
  ASSERT_EQ(search(ds, "apples").size(), 1u);
  auto v2 = upload_ids(upload(ds, {file("policy.txt", "New rule: bananas are allowed.")}))[0];
  EXPECT_EQ(wait_done(v2).at("status").as_string(), "completed");
  EXPECT_TRUE(search(ds, "apples").empty());
  ASSERT_EQ(search(ds, "bananas").size(), 1u);
  auto files = parse(call("GET", "/datastores/" + ds + "/files").body);
  EXPECT_EQ(files.at("total_files").as_int64(), 1);
  EXPECT_EQ(files.at("indexed_files").as_int64(), 1);
  EXPECT_EQ(parse(call("GET", "/datastores/" + ds).body).at("document_count").as_int64(), 1);
  // A failed replacement leaves the old version searchable.
  auto bad = upload_ids(upload(ds, {file("policy.txt", "")}))[0];
  EXPECT_EQ(wait_done(bad).at("status").as_string(), "failed");
  EXPECT_EQ(search(ds, "bananas").size(), 1u);
}

TEST_F(Rag, TwoVersionsInOneRequestLeaveTheLaterOne) {
  // Indexed in one batch (knowledge/indexer.cpp): the later version replaces the earlier one
  // although both are written in the same transaction.
  const std::string ds = create("Versions");
  auto ids = upload_ids(upload(ds, {file("other.txt", "Pears too."), file("policy.txt", "Old rule: apples are allowed."),
                                    file("policy.txt", "New rule: bananas are allowed."), file("시간.txt", "근무 시간은 9시부터")}));
  ASSERT_EQ(ids.size(), 4u);
  for (const auto& id : ids) EXPECT_EQ(wait_done(id).at("status").as_string(), "completed");
  EXPECT_TRUE(search(ds, "apples").empty());
  EXPECT_EQ(search(ds, "bananas").size(), 1u);
  EXPECT_EQ(search(ds, "pears").size(), 1u);
  EXPECT_EQ(search(ds, "근무").size(), 1u);
  EXPECT_EQ(parse(call("GET", "/datastores/" + ds + "/files").body).at("total_files").as_int64(), 3);
  expect_indexes_intact();
}

TEST_F(Rag, DeletingFilesAndDatastores) {
  const std::string ds = create("Company Policies");
  auto ids = upload_ids(upload(ds, {file("old-policy.txt", "obsolete travel rules"), file("keep.txt", "current rules"),
                                    file("휴가.txt", "직원은 매년 연차휴가를 사용할 수 있습니다")}));
  for (const auto& id : ids) wait_done(id);
  expect_indexes_intact();
  EXPECT_EQ(call("DELETE", "/datastores/" + ds + "/files/%ED%9C%B4%EA%B0%80.txt").status, 200);
  EXPECT_TRUE(search(ds, "연차휴가").empty());
  expect_indexes_intact();
  auto gone = call("DELETE", "/datastores/" + ds + "/files/old-policy.txt");
  EXPECT_EQ(gone.status, 200);
  EXPECT_EQ(gone.body, R"({"success":true,"datastore_id":")" + ds +
                           R"(","filename":"old-policy.txt","remaining_files":1,"message":"File 'old-policy.txt' deleted from 'Company Policies'"})");
  EXPECT_TRUE(search(ds, "obsolete").empty());
  auto again = call("DELETE", "/datastores/" + ds + "/files/old-policy.txt");
  EXPECT_EQ(again.status, 404);
  EXPECT_EQ(again.body, R"({"detail":{"error":{"message":"File not found in DataStore: old-policy.txt","type":"not_found","code":"file_not_found"}}})");
  EXPECT_EQ(call("DELETE", "/datastores/" + ds + "?force=maybe").status, 400);
  auto del = call("DELETE", "/datastores/" + ds + "?force=true");
  EXPECT_EQ(del.status, 200);
  EXPECT_EQ(del.body, R"({"success":true,"datastore_id":")" + ds + R"(","message":"DataStore 'Company Policies' deleted successfully"})");
  const std::string not_found = R"({"detail":{"error":{"message":"DataStore not found: )" + ds +
                                R"(","type":"not_found","code":"datastore_not_found"}}})";
  EXPECT_EQ(call("GET", "/datastores/" + ds + "/files").body, not_found);
  EXPECT_EQ(call("DELETE", "/datastores/" + ds).body, not_found);
  EXPECT_EQ(call("GET", "/datastores/" + ds).status, 404);
  EXPECT_EQ(parse(call("GET", "/uploads").body).at("total").as_int64(), 0);
  // The stored bytes went with it.
  const auto dir = std::filesystem::path(server.app().config.data_dir) / "uploads";
  EXPECT_TRUE(std::filesystem::is_empty(dir));
}

TEST_F(Rag, ADatastoreFindsOnlyItsOwnPassages) {
  // Search keeps to the datastore while ranking (knowledge/relevance.cpp): another one's better
  // passages, more than a search ranks, must neither show nor push this one's out.
  const std::string mine = create("Mine"), theirs = create("Theirs");
  std::string crowd;
  for (int i = 0; i < 60; ++i) crowd += "Tulip tulip tulip, paragraph " + std::to_string(i) + ". " + std::string(700, 'x') + "\n\n";
  wait_done(upload_ids(upload(theirs, {file("crowd.txt", crowd)}))[0]);
  const std::string own = upload_ids(upload(mine, {file("garden.txt", "A tulip grows in the garden beside the old stone wall.")}))[0];
  wait_done(own);
  for (int i = 0; i < 4; ++i) {  // again and again, from whichever reader connection
    auto hits = search(mine, "tulip");
    ASSERT_EQ(hits.size(), 1u);
    EXPECT_EQ(hits[0].at("filename").as_string(), "garden.txt");
    EXPECT_EQ(search(theirs, "tulip").size(), 5u);
  }
  // A chunk id is never given twice: the next chunk, in the other datastore, does not take the
  // deleted one's id and with it its place in this datastore.
  EXPECT_EQ(call("DELETE", "/datastores/" + mine + "/files/garden.txt").status, 200);
  wait_done(upload_ids(upload(theirs, {file("late.txt", "A tulip, late.")}))[0]);
  EXPECT_TRUE(search(mine, "tulip").empty());
  EXPECT_EQ(search(theirs, "tulip").size(), 5u);
  expect_indexes_intact();
}

TEST_F(Rag, OtherOrganizationsSeeNothing) {
  const std::string ds = create("Private");
  const std::string id = upload_ids(upload(ds, {file("secret.txt", "the launch code is tulip")}))[0];
  wait_done(id);
  const std::string stranger = server.make_key("rival", "pro", "10", kRagScopes);
  EXPECT_EQ(call("GET", "/datastores/" + ds, "", stranger).status, 404);
  EXPECT_EQ(call("GET", "/datastores/" + ds + "/files", "", stranger).status, 404);
  EXPECT_EQ(call("POST", "/datastores/" + ds + "/search", R"({"query":"tulip"})", stranger).status, 404);
  EXPECT_EQ(call("DELETE", "/datastores/" + ds + "/files/secret.txt", "", stranger).status, 404);
  EXPECT_EQ(call("DELETE", "/datastores/" + ds, "", stranger).status, 404);
  EXPECT_EQ(call("GET", "/uploads/" + id, "", stranger).status, 404);
  EXPECT_EQ(upload(ds, {file("x.txt", "x")}, stranger).status, 404);
  EXPECT_EQ(parse(call("GET", "/uploads", "", stranger).body).at("total").as_int64(), 0);
  EXPECT_EQ(parse(call("GET", "/datastores", "", stranger).body).at("total").as_int64(), 0);
  // The same display name is free in another organization.
  create("Private", stranger);
  EXPECT_EQ(search(ds, "tulip").size(), 1u);
}

TEST_F(Rag, RagScopesAreNotDefault) {
  const std::string plain = server.make_key("acme", "pro", "10", access::default_scopes());
  auto r = call("GET", "/datastores", "", plain);
  EXPECT_EQ(r.status, 403);
  EXPECT_NE(r.body.find(R"("required_scopes":["rag:read"])"), std::string::npos);
}

TEST_F(Rag, MultipartUploadsWork) {
  const std::string ds = create("Multipart");
  const std::string body =
      "--b0undary\r\nContent-Disposition: form-data; name=\"datastore_id\"\r\n\r\n" + ds +
      "\r\n--b0undary\r\nContent-Disposition: form-data; name=\"files\"; filename=\"report.pdf\"\r\n"
      "Content-Type: application/octet-stream\r\n\r\n" + make_pdf({"Multipart pelican report"}) +
      "\r\n--b0undary--\r\n";
  auto r = http_call(server.port(), "POST", "/api/external/rag/upload",
                     {{"X-API-Key", key}, {"Content-Type", "multipart/form-data; boundary=b0undary"}}, body);
  ASSERT_EQ(r.status, 200) << r.body;
  auto done = wait_done(upload_ids(r)[0]);
  EXPECT_EQ(done.at("status").as_string(), "completed");
  EXPECT_EQ(done.at("file_type").as_string(), "application/pdf");
  EXPECT_EQ(search(ds, "pelican")[0].at("page").as_int64(), 1);
}

TEST(RagDurability, EveryAcknowledgedUploadCompletesAfterSigkill) {
  TempDir dir;
  const std::string data = (dir.path / "data").string();
  std::vector<std::string> ids;
  std::string key, ds;
  {
    ServerProcess server(data);
    key = last_line(run_agentd({"admin", "key", "create", "--org", "default", "--scopes", "rag:upload,rag:read",
                                "--data-dir", data}).out);
    auto created = http_call(server.port(), "POST", "/api/external/rag/datastores", {{"X-API-Key", key}},
                             R"({"display_name":"Crash"})");
    ds = std::string(parse(created.body).at("datastore_id").as_string());
    for (int round = 0; round < 3; ++round) {
      json::array files;
      for (int i = 0; i < 10; ++i) {
        std::string text;
        for (int k = 0; k < 2000; ++k) text += "round " + std::to_string(round) + " file " + std::to_string(i) + " line " + std::to_string(k) + "\n";
        files.push_back({{"filename", "f" + std::to_string(round) + "-" + std::to_string(i) + ".txt"},
                         {"content", encode_base64(text)}});
      }
      auto r = http_call(server.port(), "POST", "/api/external/rag/upload", {{"X-API-Key", key}},
                         json::serialize(json::object{{"datastore_id", ds}, {"files", files}}));
      ASSERT_EQ(r.status, 200);
      const json::object body = parse(r.body);
      for (const auto& u : body.at("uploads").as_array()) ids.emplace_back(u.at("upload_id").as_string());
    }
    server.kill_hard();  // while indexing is under way
  }
  // The kill did land mid-indexing: uploads that were acknowledged but not yet indexed.
  {
    SQLite::Database db(data + "/agentd.db", SQLite::OPEN_READONLY);
    SQLite::Statement q(db, "SELECT COUNT(*) FROM uploads WHERE status != 'completed'");
    ASSERT_TRUE(q.executeStep());
    EXPECT_GT(q.getColumn(0).getInt(), 0) << "every upload was indexed before the kill: the test proves nothing";
  }
  ServerProcess again(data);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  for (const auto& id : ids) {
    std::string status;
    while (std::chrono::steady_clock::now() < deadline) {
      auto r = http_call(again.port(), "GET", "/api/external/rag/uploads/" + id, {{"X-API-Key", key}});
      ASSERT_EQ(r.status, 200) << "upload lost: " << id;
      status = std::string(parse(r.body).at("status").as_string());
      if (status == "completed" || status == "failed") break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));  // poll interval
    }
    EXPECT_EQ(status, "completed") << id;
  }
  auto files = http_call(again.port(), "GET", "/api/external/rag/datastores/" + ds + "/files", {{"X-API-Key", key}});
  EXPECT_EQ(parse(files.body).at("indexed_files").as_int64(), 30);
}
