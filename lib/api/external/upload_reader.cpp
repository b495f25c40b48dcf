#include "api/external/upload_reader.hpp"

#include "core/ids.hpp"
#include "http/multipart.hpp"
#include "knowledge/base64.hpp"
#include "knowledge/files.hpp"

#include <boost/json/basic_parser_impl.hpp>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>

namespace agentd::api::external {
namespace json = boost::json;
using knowledge::IncomingFile;
using knowledge::kMaxFileBytes;

namespace {

constexpr std::size_t kMaxTextField = 4096;  // filename, content_type, datastore_id

// A file being written as its bytes arrive.
class SpoolWriter {
 public:
  SpoolWriter(const std::string& spool_dir, SpooledFiles& spooled) {
    std::filesystem::create_directories(spool_dir);
    path_ = (std::filesystem::path(spool_dir) / ("upload-" + uuid_v4())).string();
    spooled.paths.push_back(path_);
    file_.reset(std::fopen(path_.c_str(), "wb"));
    if (!file_) throw std::runtime_error("cannot create " + path_);
  }
  void write(std::string_view bytes) {
    if (!bytes.empty() && std::fwrite(bytes.data(), 1, bytes.size(), file_.get()) != bytes.size())
      throw std::runtime_error("cannot write " + path_);
    size_ += bytes.size();
  }
  void close() {
    if (file_ && std::fclose(file_.release()) != 0) throw std::runtime_error("cannot write " + path_);
  }
  const std::string& path() const { return path_; }
  std::size_t size() const { return size_; }

 private:
  struct Closer {
    void operator()(std::FILE* f) const { std::fclose(f); }
  };
  std::string path_;
  std::unique_ptr<std::FILE, Closer> file_;
  std::size_t size_ = 0;
};

// What the JSON body said about one entry of `files`.
struct FileSlot {
  bool is_object = false;
  char filename_type = 0, content_type_type = 0, content_kind = 0;  // 's' string, 'x' other, 0 absent
  std::string filename, content_type;
  bool too_long = false;
  std::unique_ptr<SpoolWriter> out;
  knowledge::Base64Decoder decoder;
  bool too_large = false;
};

// basic_parser's handler: follows the path of each value (root key, files[i] key) and keeps only
// what the upload needs; the base64 of each file goes through a decoder into its spool file.
struct UploadHandler {
  constexpr static std::size_t max_object_size = std::size_t(-1);
  constexpr static std::size_t max_array_size = std::size_t(-1);
  constexpr static std::size_t max_key_size = std::size_t(-1);
  constexpr static std::size_t max_string_size = std::size_t(-1);

  UploadHandler(std::string spool_dir, SpooledFiles& spooled) : spool_dir(std::move(spool_dir)), spooled(spooled) {}

  std::string spool_dir;
  SpooledFiles& spooled;
  struct Frame {
    bool object;
    std::string key;
  };
  std::vector<Frame> stack;
  bool root_is_object = false;
  char datastore_type = 0, files_type = 0;
  std::string datastore_id;
  std::vector<FileSlot> files;
  std::string decoded;  // reused between pieces

  // Where a value at the current position goes.
  enum class At { other, datastore_id, files, file_entry, filename, content, content_type };
  At at() const {
    if (stack.size() == 1 && stack[0].object) {
      if (stack[0].key == "datastore_id") return At::datastore_id;
      if (stack[0].key == "files") return At::files;
    }
    if (stack.size() == 2 && stack[0].key == "files" && !stack[1].object) return At::file_entry;
    if (stack.size() == 3 && stack[0].key == "files" && !stack[1].object && stack[2].object) {
      const auto& k = stack[2].key;
      if (k == "filename") return At::filename;
      if (k == "content") return At::content;
      if (k == "content_type") return At::content_type;
    }
    return At::other;
  }
  // A value that is not a string (or a container) at the current position.
  void other_value() {
    switch (at()) {
      case At::datastore_id: datastore_type = 'x'; break;
      case At::files: files_type = 'x'; break;
      case At::file_entry: files.emplace_back(); break;
      case At::filename: files.back().filename_type = 'x'; break;
      case At::content: files.back().content_kind = 'x'; break;
      case At::content_type: files.back().content_type_type = 'x'; break;
      case At::other: break;
    }
  }
  void text(std::string_view piece, bool last) {
    auto append = [&](std::string& to, bool& too_long) {
      if (to.size() + piece.size() > kMaxTextField) too_long = true;
      else to.append(piece);
    };
    bool ignored = false;
    switch (at()) {
      case At::datastore_id:
        datastore_type = 's';
        append(datastore_id, ignored);
        break;
      case At::filename: files.back().filename_type = 's'; append(files.back().filename, files.back().too_long); break;
      case At::content_type:
        files.back().content_type_type = 's';
        append(files.back().content_type, files.back().too_long);
        break;
      case At::content: {
        FileSlot& f = files.back();
        if (!f.out) {
          f.content_kind = 's';
          f.out = std::make_unique<SpoolWriter>(spool_dir, spooled);
        }
        if (!f.too_large) {
          decoded.clear();
          f.decoder.feed(piece, decoded);
          if (f.out->size() + decoded.size() > kMaxFileBytes) f.too_large = true;
          else f.out->write(decoded);
        }
        if (last) {
          f.decoder.finish();
          f.out->close();
        }
        break;
      }
      case At::file_entry:
        if (last) files.emplace_back();
        break;
      case At::files: files_type = 'x'; break;
      case At::other: break;
    }
  }

  bool on_document_begin(json::error_code&) { return true; }
  bool on_document_end(json::error_code&) { return true; }
  bool on_object_begin(json::error_code&) {
    if (stack.empty()) root_is_object = true;
    const At where = at();
    if (where == At::file_entry) {
      files.emplace_back();
      files.back().is_object = true;
    } else if (where != At::other && where != At::files) {
      other_value();
    } else if (where == At::files) {
      files_type = 'x';
    }
    stack.push_back({true, {}});
    return true;
  }
  bool on_object_end(std::size_t, json::error_code&) {
    stack.pop_back();
    return true;
  }
  bool on_array_begin(json::error_code&) {
    const At where = at();
    if (where == At::files) files_type = 'a';
    else if (where != At::other) other_value();
    stack.push_back({false, {}});
    return true;
  }
  bool on_array_end(std::size_t, json::error_code&) {
    stack.pop_back();
    return true;
  }
  // Keys may come in pieces; `n` is the key's length so far. Only short keys matter here.
  bool key_piece(json::string_view s, std::size_t n) {
    if (n == s.size()) stack.back().key.clear();  // the first piece of a new key
    if (stack.back().key.size() < 64) stack.back().key.append(s.data(), std::min<std::size_t>(s.size(), 64));
    return true;
  }
  bool on_key_part(json::string_view s, std::size_t n, json::error_code&) { return key_piece(s, n); }
  bool on_key(json::string_view s, std::size_t n, json::error_code&) { return key_piece(s, n); }
  bool on_string_part(json::string_view s, std::size_t, json::error_code&) {
    text(s, false);
    return true;
  }
  bool on_string(json::string_view s, std::size_t, json::error_code&) {
    text(s, true);
    return true;
  }
  bool on_number_part(json::string_view, json::error_code&) { return true; }
  bool on_int64(std::int64_t, json::string_view, json::error_code&) { other_value(); return true; }
  bool on_uint64(std::uint64_t, json::string_view, json::error_code&) { other_value(); return true; }
  bool on_double(double, json::string_view, json::error_code&) { other_value(); return true; }
  bool on_bool(bool, json::error_code&) { other_value(); return true; }
  bool on_null(json::error_code&) {
    // A null content_type is as good as none.
    if (at() != At::content_type) other_value();
    return true;
  }
  bool on_comment_part(json::string_view, json::error_code&) { return true; }
  bool on_comment(json::string_view, json::error_code&) { return true; }
};

// Hands the body to `consume` in blocks (read from its file), or whole when it is in memory.
template <class F>
void read_blocks(const UploadBody& body, F consume) {
  if (body.body_file.empty()) return consume(body.in_memory, true);
  const std::string& path = body.body_file;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> in(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::string block(64 * 1024, '\0');
  while (true) {
    const std::size_t n = std::fread(block.data(), 1, block.size(), in.get());
    const bool last = n < block.size();
    consume(std::string_view(block.data(), n), last);
    if (last) break;
  }
}

}  // namespace

SpooledFiles::~SpooledFiles() {
  for (const auto& p : paths) {
    std::error_code ec;
    std::filesystem::remove(p, ec);
  }
}

knowledge::UploadRequest read_json_upload(const UploadBody& body, const std::string& spool_dir, SpooledFiles& spooled) {
  json::basic_parser<UploadHandler> parser(json::parse_options{}, spool_dir, spooled);
  json::error_code ec;
  read_blocks(body, [&](std::string_view block, bool last) {
    if (ec) return;
    parser.write_some(!last, block.data(), block.size(), ec);
  });
  UploadHandler& h = parser.handler();
  if (ec || !parser.done() || !h.root_is_object) throw validation_error("invalid_request", "Request body must be a JSON object");

  knowledge::UploadRequest r;
  if (h.datastore_type != 's' || h.datastore_id.empty()) throw validation_error("invalid_request", "datastore_id is required", "datastore_id");
  r.datastore_id = h.datastore_id;
  if (h.files_type != 'a') throw validation_error("invalid_request", "files is required", "files");
  knowledge::check_file_count(h.files.size());
  for (std::size_t i = 0; i < h.files.size(); ++i) {
    FileSlot& f = h.files[i];
    const std::string at = "files[" + std::to_string(i) + "]";
    if (!f.is_object) throw validation_error("invalid_request", at + " must be an object", at);
    if (f.filename_type != 's' || f.too_long) throw validation_error("invalid_request", at + ".filename is required", at + ".filename");
    if (f.content_kind != 's') throw validation_error("invalid_request", at + ".content is required", at + ".content");
    if (f.content_type_type == 'x') throw validation_error("invalid_request", at + ".content_type must be a string", at + ".content_type");
    IncomingFile file{knowledge::safe_filename(f.filename, at + ".filename"), f.content_type, f.out->path(),
                      static_cast<std::int64_t>(f.out->size()), {}};
    if (f.too_large) file.problem = validation_error("file_too_large", "File size exceeds 10MB limit");
    else if (!f.decoder.error().empty()) file.problem = validation_error("invalid_base64", "Base64 decoding failed: " + f.decoder.error());
    r.files.push_back(std::move(file));
  }
  return r;
}

// Maps a spooled body instead of reading it: the parts are copied from the page cache.
class MappedFile {
 public:
  explicit MappedFile(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw std::runtime_error("cannot read " + path);
    struct stat st {};
    ::fstat(fd, &st);
    size_ = static_cast<std::size_t>(st.st_size);
    void* map = size_ ? ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0) : nullptr;
    ::close(fd);
    if (map == MAP_FAILED) throw std::runtime_error("cannot map " + path);
    data_ = static_cast<const char*>(map);
  }
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile() {
    if (data_) ::munmap(const_cast<char*>(data_), size_);
  }
  std::string_view view() const { return {data_, size_}; }

 private:
  const char* data_ = nullptr;
  std::size_t size_ = 0;
};

knowledge::UploadRequest read_multipart_upload(const UploadBody& upload, const std::string& boundary,
                                               const std::string& spool_dir, SpooledFiles& spooled) {
  std::optional<MappedFile> mapped;
  if (!upload.body_file.empty()) mapped.emplace(upload.body_file);
  const std::string_view body = mapped ? mapped->view() : upload.in_memory;

  std::vector<http::FormPart> parts;
  try {
    parts = http::parse_multipart(body, boundary);
  } catch (const std::invalid_argument& e) {
    throw validation_error("invalid_request", std::string("Malformed multipart body: ") + e.what());
  }
  knowledge::UploadRequest r;
  std::vector<const http::FormPart*> file_parts;
  for (const auto& part : parts) {
    if (part.name == "datastore_id" && !part.filename) r.datastore_id = std::string(part.body);
    else if ((part.name == "files" || part.name == "files[]" || part.name == "file") && part.filename)
      file_parts.push_back(&part);
  }
  if (r.datastore_id.empty()) throw validation_error("invalid_request", "datastore_id is required", "datastore_id");
  knowledge::check_file_count(file_parts.size());
  for (const auto* part : file_parts) {
    IncomingFile file{knowledge::safe_filename(*part->filename, "files.filename"), part->content_type, {},
                      static_cast<std::int64_t>(part->body.size()), {}};
    if (part->body.size() <= kMaxFileBytes && knowledge::supported_filename(file.filename)) {
      SpoolWriter out(spool_dir, spooled);
      out.write(part->body);
      out.close();
      file.spool_path = out.path();
    }
    r.files.push_back(std::move(file));
  }
  return r;
}

}  // namespace agentd::api::external
