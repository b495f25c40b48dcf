// An upload's spooled body read as it streams from disk: JSON with base64 files decoded piece by
// piece (Boost.JSON's basic_parser hands long strings over in parts) into files of their own,
// or multipart parts copied into files of their own. Memory stays bounded by the read buffer
// whatever the body's size. Structure errors throw the seed's 400s; a file's own problem (bad
// base64, too large) is kept with it for the knowledge service to report in file order.
#pragma once

#include "knowledge/knowledge_service.hpp"

#include <string>

namespace agentd::api::external {

// Spooled files of one request, removed when it ends (the service moves the accepted ones).
struct SpooledFiles {
  std::vector<std::string> paths;
  SpooledFiles() = default;
  SpooledFiles(const SpooledFiles&) = delete;
  SpooledFiles& operator=(const SpooledFiles&) = delete;
  ~SpooledFiles();
};

// The body is the spooled `body_file`, or `in_memory` when it arrived whole with the header
// (`body_file` empty).
struct UploadBody {
  std::string body_file;
  std::string_view in_memory;
};

knowledge::UploadRequest read_json_upload(const UploadBody& body, const std::string& spool_dir, SpooledFiles& spooled);
knowledge::UploadRequest read_multipart_upload(const UploadBody& body, const std::string& boundary,
                                               const std::string& spool_dir, SpooledFiles& spooled);

}  // namespace agentd::api::external
