#include "corpus.hpp"

#include "fixtures.hpp"

#include <algorithm>

namespace agentd::bench {
using knowledge::FileType;

Vocabulary::Vocabulary() {
  std::mt19937 rng(1);
  const char* syllables[] = {"ka", "lo", "mi", "ren", "tu", "sa", "vor", "el", "pin", "da", "qu", "ist", "an", "mor", "zi", "bel"};
  std::vector<double> weights;
  for (int i = 0; i < 20000; ++i) {
    std::string w;
    for (int k = 2 + static_cast<int>(rng() % 3); k > 0; --k) w += syllables[rng() % std::size(syllables)];
    words.push_back(w);
    weights.push_back(1.0 / (i + 1));
  }
  zipf = std::discrete_distribution<int>(weights.begin(), weights.end());
}

Vocabulary& vocabulary() {
  static Vocabulary v;
  return v;
}

namespace {

std::string sentence(std::mt19937& rng) {
  std::uniform_int_distribution<int> n(6, 14), num(1, 999);
  std::string s;
  for (int i = n(rng); i > 0; --i) s += vocabulary().draw(rng) + (i % 5 == 0 ? " " + std::to_string(num(rng)) + " " : " ");
  s.back() = '.';
  return s;
}

// One document in ten is Korean, Japanese or Chinese text.
std::string cjk_paragraph(std::mt19937& rng) {
  const char* runs[] = {"직원은 매년 연차휴가를 사용할 수 있습니다", "휴가 정책과 예산을 검토합니다", "会議の予算を確認します",
                        "従業員は有給休暇を取得できます", "员工每年可以享受带薪年假", "公司的差旅政策已经更新"};
  std::string p;
  for (int i = 0; i < 12; ++i) p += std::string(runs[rng() % std::size(runs)]) + (i % 3 == 2 ? "。\n" : " ");
  return p;
}

std::string paragraph(std::mt19937& rng, int sentences) {
  std::string p;
  for (int i = 0; i < sentences; ++i) p += sentence(rng) + " ";
  return p;
}

}  // namespace

std::vector<File> corpus(std::size_t min_bytes) {
  std::mt19937 rng(42);
  std::vector<File> files;
  std::size_t total = 0;
  for (int i = 0; total < min_bytes; ++i) {
    File f;
    f.name = "doc" + std::to_string(i);
    switch (i % 8) {
      case 0: {
        f.type = FileType::txt;
        for (int k = 0; k < 120; ++k) f.bytes += ((i / 8) % 5 == 0 ? cjk_paragraph(rng) : paragraph(rng, 4)) + "\n\n";
        break;
      }
      case 1: {
        f.type = FileType::markdown;
        for (int k = 0; k < 40; ++k)
          f.bytes += "## Section " + std::to_string(k) + "\n\n" + ((i / 8) % 5 == 0 ? cjk_paragraph(rng) : paragraph(rng, 8)) + "\n\n";
        break;
      }
      case 2: {
        f.type = FileType::html;
        f.bytes = "<html><head><script>var x = 1;</script></head><body>";
        for (int k = 0; k < 40; ++k) f.bytes += "<h2>Part " + std::to_string(k) + "</h2><p>" + paragraph(rng, 8) + "</p>";
        f.bytes += "</body></html>";
        break;
      }
      case 3: {
        f.type = FileType::json;
        f.bytes = "{\"items\":[";
        for (int k = 0; k < 300; ++k) f.bytes += (k ? "," : "") + std::string("{\"id\":") + std::to_string(k) + ",\"text\":\"" + sentence(rng) + "\"}";
        f.bytes += "]}";
        break;
      }
      case 4: {
        f.type = FileType::jsonl;
        for (int k = 0; k < 60; ++k) f.bytes += "{\"n\":" + std::to_string(k) + ",\"body\":\"" + paragraph(rng, 6) + "\"}\n";
        break;
      }
      case 5: {
        f.type = FileType::pdf;
        std::vector<std::string> pages;
        for (int k = 0; k < 30; ++k) pages.push_back(paragraph(rng, 6));
        // PDF string syntax: keep ASCII only on PDF pages.
        for (auto& p : pages) p.erase(std::remove_if(p.begin(), p.end(), [](char c) { return c & 0x80 || c == '(' || c == ')'; }), p.end());
        f.bytes = testing::make_pdf(pages);
        break;
      }
      case 6: {
        f.type = FileType::docx;
        std::vector<std::pair<std::string, std::string>> paras;
        for (int k = 0; k < 80; ++k) paras.push_back({k % 10 ? "" : "Heading1", paragraph(rng, 4)});
        f.bytes = testing::make_docx(paras);
        break;
      }
      default: {
        f.type = FileType::pptx;
        std::vector<testing::SlideSpec> slides;
        for (int k = 0; k < 40; ++k) slides.push_back({"Slide " + std::to_string(k), paragraph(rng, 4), sentence(rng)});
        f.bytes = testing::make_pptx(slides);
      }
    }
    total += f.bytes.size();
    files.push_back(std::move(f));
  }
  return files;
}

}  // namespace agentd::bench
