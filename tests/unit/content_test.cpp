// The builtin generators' output read back by real readers of each format (libpng, poppler,
// libavformat; the Khronos glTF validator reads the GLB in tests/gltf), their determinism and bounds; signed storage paths and HTTP byte ranges.
#include "content/builtin_generators.hpp"
#include "content/storage.hpp"
#include "core/errors.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <png.h>
extern "C" {
#include <libavformat/avformat.h>
}
#include <poppler/cpp/poppler-document.h>
#include <poppler/cpp/poppler-page.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>

using namespace agentd;
namespace json = boost::json;

namespace {

struct Decoded {
  unsigned width = 0, height = 0;
  std::vector<unsigned char> rgba;
};

Decoded decode_png(const std::string& bytes) {
  png_image image{};
  image.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_memory(&image, bytes.data(), bytes.size())) throw std::runtime_error(image.message);
  image.format = PNG_FORMAT_RGBA;
  Decoded d{image.width, image.height, std::vector<unsigned char>(PNG_IMAGE_SIZE(image))};
  if (!png_image_finish_read(&image, nullptr, d.rgba.data(), 0, nullptr)) throw std::runtime_error(image.message);
  return d;
}

content::Generated image(const std::string& prompt, json::object input) {
  return content::generate_builtin("image", prompt, content::builtin_input("image", input));
}

}  // namespace

TEST(BuiltinGenerators, AnImageIsAPngOfTheAskedSizeDrawnFromThePrompt) {
  const auto g = image("A serene mountain landscape at sunset", {{"width", 320}, {"height", 200}});
  EXPECT_EQ(g.mime, "image/png");
  const Decoded d = decode_png(g.bytes);
  EXPECT_EQ(d.width, 320u);
  EXPECT_EQ(d.height, 200u);
  std::set<std::uint32_t> colours;
  for (std::size_t i = 0; i + 3 < d.rgba.size(); i += 4 * 97)
    colours.insert(d.rgba[i] << 16 | d.rgba[i + 1] << 8 | d.rgba[i + 2]);
  EXPECT_GT(colours.size(), 50u);  // shapes, gradient and text, not a blank page
  // Same prompt and input, same bytes; another prompt, another picture.
  EXPECT_EQ(image("A serene mountain landscape at sunset", {{"width", 320}, {"height", 200}}).bytes, g.bytes);
  EXPECT_NE(image("A busy harbour at noon", {{"width", 320}, {"height", 200}}).bytes, g.bytes);
  const Decoded standard = decode_png(image("x", {}).bytes);
  EXPECT_EQ(standard.width, 512u);
}

TEST(BuiltinGenerators, ImageSidesHaveBoundsThatNameTheField) {
  for (const auto& [field, value] : std::vector<std::pair<std::string, json::value>>{
           {"width", 15}, {"width", 2049}, {"height", 0}, {"height", "big"}, {"width", 12.5}}) {
    try {
      content::builtin_input("image", {{field, value}});
      ADD_FAILURE() << field << " " << json::serialize(value);
    } catch (const AppError& e) {
      EXPECT_EQ(e.message, "input." + field + " must be an integer between 16 and 2048");
    }
  }
  EXPECT_NO_THROW(content::builtin_input("image", {{"width", 16}, {"height", 2048}}));
}

TEST(BuiltinGenerators, OtherIsAOnePagePdfThatPopplerReads) {
  const auto g = content::generate_builtin("other", "Quarterly report on harbour traffic", {});
  EXPECT_EQ(g.mime, "application/pdf");
  std::vector<char> raw(g.bytes.begin(), g.bytes.end());
  std::unique_ptr<poppler::document> doc(poppler::document::load_from_raw_data(raw.data(), static_cast<int>(raw.size())));
  ASSERT_TRUE(doc);
  EXPECT_EQ(doc->pages(), 1);
  std::unique_ptr<poppler::page> page(doc->create_page(0));
  const auto text = page->text().to_utf8();
  EXPECT_NE(std::string(text.begin(), text.end()).find("harbour traffic"), std::string::npos);
  EXPECT_EQ(content::generate_builtin("other", "Quarterly report on harbour traffic", {}).bytes, g.bytes);
}

TEST(Storage, SignaturesVerifyOnlyTheirPathAndSafePaths) {
  const auto dir = std::filesystem::temp_directory_path() / ("agentd-storage-" + std::to_string(::getpid()));
  {
    const content::Storage storage(dir.string());
    const std::string path = "generation/image/abc_20260101_100000.png";
    const std::string sig = storage.signature(path);
    EXPECT_EQ(sig.size(), 64u);
    EXPECT_TRUE(storage.verify(path, sig));
    EXPECT_FALSE(storage.verify(path, std::string(64, '0')));
    EXPECT_FALSE(storage.verify("generation/image/other.png", sig));
    for (const char* bad : {"../agentd.db", "generation/../../x", "/etc/passwd", "", "a//b", "a/./b", "a b"})
      EXPECT_FALSE(storage.verify(bad, storage.signature(bad))) << bad;
    // The secret is kept: a second Storage on the same directory signs alike.
    EXPECT_EQ(content::Storage(dir.string()).signature(path), sig);
    storage.write(path, "bytes");
    EXPECT_EQ(std::filesystem::file_size(storage.file(path)), 5u);
  }
  std::filesystem::remove_all(dir);
}

TEST(Storage, ByteRangesAsPlayersSendThem) {
  using content::parse_range;
  EXPECT_FALSE(parse_range("", 100));
  EXPECT_EQ(parse_range("bytes=0-9", 100)->last, 9u);
  EXPECT_EQ(parse_range("bytes=90-", 100)->first, 90u);
  EXPECT_EQ(parse_range("bytes=90-500", 100)->last, 99u);
  EXPECT_EQ(parse_range("bytes=-10", 100)->first, 90u);
  EXPECT_EQ(parse_range("bytes=-1000", 100)->first, 0u);
  EXPECT_EQ(parse_range("bytes=5-9,20-30", 100)->first, 5u);
  EXPECT_FALSE(parse_range("items=0-1", 100));
  for (const char* bad : {"bytes=100-", "bytes=9-5", "bytes=x-1", "bytes=-0", "bytes=5"})
    EXPECT_THROW(parse_range(bad, 100), std::out_of_range) << bad;
}

TEST(BuiltinGenerators, AGlbIsAGltf2BinaryOfTheAskedResolution) {
  const auto g = content::generate_builtin("glb", "a twisted coral reef", content::builtin_input("glb", {}));
  EXPECT_EQ(g.mime, "model/gltf-binary");
  ASSERT_GT(g.bytes.size(), 28u);
  std::uint32_t magic = 0, version = 0, length = 0, json_length = 0, json_type = 0;
  std::memcpy(&magic, g.bytes.data(), 4);
  std::memcpy(&version, g.bytes.data() + 4, 4);
  std::memcpy(&length, g.bytes.data() + 8, 4);
  std::memcpy(&json_length, g.bytes.data() + 12, 4);
  std::memcpy(&json_type, g.bytes.data() + 16, 4);
  EXPECT_EQ(magic, 0x46546C67u);
  EXPECT_EQ(version, 2u);
  EXPECT_EQ(length, g.bytes.size());
  EXPECT_EQ(json_type, 0x4E4F534Au);
  const auto gltf = json::parse(g.bytes.substr(20, json_length)).as_object();
  EXPECT_EQ(gltf.at("asset").at("version"), "2.0");
  EXPECT_EQ(gltf.at("accessors").at(0).at("count"), 33 * 65);  // 32 rings x 64 sectors, shared seams
  EXPECT_EQ(content::generate_builtin("glb", "a twisted coral reef", content::builtin_input("glb", {})).bytes, g.bytes);
  EXPECT_NE(content::generate_builtin("glb", "a smooth pebble", content::builtin_input("glb", {})).bytes, g.bytes);
  EXPECT_THROW(content::builtin_input("glb", {{"segments", 7}}), AppError);
  EXPECT_THROW(content::builtin_input("glb", {{"segments", 129}}), AppError);
}

TEST(BuiltinGenerators, AudioIsTheSpokenPromptAsAWav) {
  auto speak = [](const std::string& text, json::object input = {}) {
    return content::generate_builtin("audio", text, content::builtin_input("audio", input));
  };
  const auto g = speak("The quick brown fox jumps over the lazy dog");
  EXPECT_EQ(g.mime, "audio/wav");
  ASSERT_GT(g.bytes.size(), 44u);
  EXPECT_EQ(g.bytes.substr(0, 4), "RIFF");
  EXPECT_EQ(g.bytes.substr(8, 8), "WAVEfmt ");
  auto u32 = [&](std::size_t at) {
    std::uint32_t v = 0;
    std::memcpy(&v, g.bytes.data() + at, 4);
    return v;
  };
  auto u16 = [&](std::size_t at) {
    std::uint16_t v = 0;
    std::memcpy(&v, g.bytes.data() + at, 2);
    return v;
  };
  EXPECT_EQ(u16(20), 1);   // PCM
  EXPECT_EQ(u16(22), 1);   // mono
  EXPECT_EQ(u16(34), 16);  // bits
  const std::uint32_t rate = u32(24), data = u32(40);
  EXPECT_EQ(g.bytes.substr(36, 4), "data");
  EXPECT_EQ(data, g.bytes.size() - 44);
  EXPECT_EQ(u32(4), g.bytes.size() - 8);
  const double seconds = data / 2.0 / rate;
  EXPECT_GT(seconds, 1.5);  // nine words at 175 words a minute
  EXPECT_LT(seconds, 6.0);
  EXPECT_EQ(speak("The quick brown fox jumps over the lazy dog").bytes, g.bytes);
  EXPECT_GT(speak("The quick brown fox jumps over the lazy dog", {{"rate", 90}}).bytes.size(), g.bytes.size());
  EXPECT_THROW(content::builtin_input("audio", {{"rate", 79}}), AppError);
  EXPECT_THROW(content::builtin_input("audio", {{"pitch", 100}}), AppError);
  EXPECT_THROW(content::builtin_input("audio", {{"voice", "../x"}}), AppError);
}

// FFmpeg's libavformat opens the MP4 and reports its duration, stream and frames.
TEST(BuiltinGenerators, AVideoIsAnMp4ThatLibavformatPlays) {
  auto make = [](const std::string& prompt, json::object input) {
    return content::generate_builtin("video", prompt, content::builtin_input("video", input));
  };
  const auto g = make("Waves rolling onto a beach", {{"width", 160}, {"height", 96}, {"duration", 2}, {"fps", 12}});
  EXPECT_EQ(g.mime, "video/mp4");
  const auto file = std::filesystem::temp_directory_path() / ("agentd-video-" + std::to_string(::getpid()) + ".mp4");
  std::ofstream(file, std::ios::binary) << g.bytes;
  AVFormatContext* fmt = nullptr;
  ASSERT_EQ(avformat_open_input(&fmt, file.c_str(), nullptr, nullptr), 0);
  ASSERT_GE(avformat_find_stream_info(fmt, nullptr), 0);
  EXPECT_NEAR(static_cast<double>(fmt->duration) / AV_TIME_BASE, 2.0, 0.1);
  ASSERT_EQ(fmt->nb_streams, 1u);
  const AVCodecParameters* par = fmt->streams[0]->codecpar;
  EXPECT_EQ(par->codec_type, AVMEDIA_TYPE_VIDEO);
  EXPECT_EQ(par->width, 160);
  EXPECT_EQ(par->height, 96);
  EXPECT_EQ(fmt->streams[0]->nb_frames, 24);
  avformat_close_input(&fmt);
  std::filesystem::remove(file);
  EXPECT_EQ(make("Waves rolling onto a beach", {{"width", 160}, {"height", 96}, {"duration", 2}, {"fps", 12}}).bytes, g.bytes);
  for (const auto& [field, value] : std::vector<std::pair<std::string, json::value>>{
           {"width", 15}, {"width", 161}, {"height", 722}, {"duration", 31}, {"fps", 0}})
    EXPECT_THROW(content::builtin_input("video", {{field, value}}), AppError) << field;
  EXPECT_THROW(content::builtin_input("video", {{"duration", 30}, {"fps", 60}}), AppError);  // 1,800 frames
}
