// Signed storage of generated content (API.md 2, 3.5): files under DATA_DIR/storage, served at
// GET /storage/PATH?sig=SIG where SIG is the HMAC-SHA256 of PATH with a secret kept in
// DATA_DIR/storage.key (created on first use, mode 0600). A URL never expires; a path that is
// not a plain relative path inside storage never verifies.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace agentd::content {

class Storage {
 public:
  explicit Storage(const std::string& data_dir);

  // Writes the file atomically (a temporary file renamed into place); `path` is relative.
  void write(const std::string& path, std::string_view bytes) const;
  std::string signature(std::string_view path) const;
  // Constant-time; false for a bad signature or a path outside storage (.., absolute, empty).
  bool verify(std::string_view path, std::string_view signature) const;
  // The file's location on disk for a verified path.
  std::string file(std::string_view path) const;

 private:
  std::string root_;
  std::string secret_;
};

// True for paths of plain segments ([A-Za-z0-9._-], no "." or ".."), joined by '/'.
bool safe_relative_path(std::string_view path);

// The Content-Type served for a stored file, by its extension (application/octet-stream for
// one not listed).
const char* mime_of(std::string_view path);
// Whether `extension` (without the dot, lower case) is one that mime_of knows.
bool known_extension(std::string_view extension);

// What a player needs: a byte range of a file (HTTP Range, RFC 9110 14.2).
struct ByteRange {
  std::uint64_t first = 0, last = 0;  // inclusive
};
// nullopt: no Range header (the whole file). Throws std::out_of_range when unsatisfiable (416).
// Several ranges are answered as the first (no multipart/byteranges).
std::optional<ByteRange> parse_range(std::string_view header, std::uint64_t size);

}  // namespace agentd::content
