#include "content/storage.hpp"

#include "core/ids.hpp"

#include <openssl/crypto.h>
#include <openssl/hmac.h>

#include <charconv>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <sys/stat.h>

namespace agentd::content {
namespace fs = std::filesystem;
namespace {

std::string load_or_create_secret(const fs::path& file) {
  std::ifstream in(file);
  std::string secret;
  if (in && std::getline(in, secret) && secret.size() >= 32) return secret;
  secret = random_hex(64);
  const fs::path tmp = file.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << secret << "\n";
    if (!out) throw std::runtime_error("cannot write " + tmp.string());
  }
  ::chmod(tmp.c_str(), 0600);
  fs::rename(tmp, file);
  return secret;
}

}  // namespace

Storage::Storage(const std::string& data_dir) : root_((fs::path(data_dir) / "storage").string()) {
  fs::create_directories(data_dir);
  secret_ = load_or_create_secret(fs::path(data_dir) / "storage.key");
}

bool safe_relative_path(std::string_view path) {
  if (path.empty() || path.size() > 512) return false;
  std::size_t start = 0;
  while (start <= path.size()) {
    const std::size_t end = std::min(path.find('/', start), path.size());
    const std::string_view segment = path.substr(start, end - start);
    if (segment.empty() || segment == "." || segment == "..") return false;
    for (char c : segment)
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-')) return false;
    start = end + 1;
  }
  return true;
}

void Storage::write(const std::string& path, std::string_view bytes) const {
  if (!safe_relative_path(path)) throw std::invalid_argument("unsafe storage path: " + path);
  const fs::path target = fs::path(root_) / path;
  fs::create_directories(target.parent_path());
  const fs::path tmp = target.string() + ".tmp-" + random_hex(8);
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.flush();
    if (!out) throw std::runtime_error("cannot write " + tmp.string());
  }
  fs::rename(tmp, target);
}

std::string Storage::signature(std::string_view path) const {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret_.data(), static_cast<int>(secret_.size()), reinterpret_cast<const unsigned char*>(path.data()),
       path.size(), mac, &len);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out += hex[mac[i] >> 4];
    out += hex[mac[i] & 15];
  }
  return out;
}

bool Storage::verify(std::string_view path, std::string_view sig) const {
  if (!safe_relative_path(path)) return false;
  const std::string expected = signature(path);
  return sig.size() == expected.size() && CRYPTO_memcmp(sig.data(), expected.data(), expected.size()) == 0;
}

std::string Storage::file(std::string_view path) const { return (fs::path(root_) / std::string(path)).string(); }

std::optional<ByteRange> parse_range(std::string_view header, std::uint64_t size) {
  if (header.empty()) return std::nullopt;
  if (header.substr(0, 6) != "bytes=") return std::nullopt;  // another unit: ignored, the whole file
  std::string_view spec = header.substr(6);
  spec = spec.substr(0, spec.find(','));
  const auto dash = spec.find('-');
  if (dash == std::string_view::npos) throw std::out_of_range("range");
  auto number = [](std::string_view s, std::uint64_t& v) {
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    return !s.empty() && ec == std::errc{} && p == s.data() + s.size();
  };
  std::uint64_t a = 0, b = 0;
  const std::string_view left = spec.substr(0, dash), right = spec.substr(dash + 1);
  if (left.find_first_not_of(' ') == std::string_view::npos) {  // bytes=-N: the last N bytes
    if (!number(right, b) || b == 0 || size == 0) throw std::out_of_range("range");
    return ByteRange{size - std::min(b, size), size - 1};
  }
  if (!number(left, a) || a >= size) throw std::out_of_range("range");
  if (right.find_first_not_of(' ') == std::string_view::npos) return ByteRange{a, size - 1};
  if (!number(right, b) || b < a) throw std::out_of_range("range");
  return ByteRange{a, std::min(b, size - 1)};
}

namespace {
struct Mime {
  std::string_view extension;
  const char* type;
};
constexpr Mime kMimes[] = {
    {"png", "image/png"},   {"jpg", "image/jpeg"},       {"jpeg", "image/jpeg"}, {"webp", "image/webp"},
    {"gif", "image/gif"},   {"pdf", "application/pdf"},  {"wav", "audio/wav"},   {"mp3", "audio/mpeg"},
    {"ogg", "audio/ogg"},   {"flac", "audio/flac"},      {"mp4", "video/mp4"},   {"webm", "video/webm"},
    {"mov", "video/quicktime"}, {"glb", "model/gltf-binary"}, {"txt", "text/plain; charset=utf-8"},
};
}  // namespace

const char* mime_of(std::string_view path) {
  const auto dot = path.rfind('.');
  const std::string_view ext = dot == std::string_view::npos ? std::string_view() : path.substr(dot + 1);
  for (const auto& m : kMimes)
    if (m.extension == ext) return m.type;
  return "application/octet-stream";
}

bool known_extension(std::string_view extension) {
  for (const auto& m : kMimes)
    if (m.extension == extension) return true;
  return false;
}

}  // namespace agentd::content
