// Uploaded bytes on disk, under DATA_DIR/uploads/. Blocking: call on a worker pool.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace agentd::knowledge {

// Writes to a temporary name, fsyncs the file, renames it into place and fsyncs the directory:
// once this returns, the bytes survive a crash. Throws std::runtime_error.
void write_file_durably(const std::string& path, std::string_view bytes);
std::string read_file(const std::string& path);
// Moves a file written elsewhere into place durably: fsyncs it, renames it, fsyncs the directory.
void move_file_durably(const std::string& from, const std::string& to);
// Best effort: a file left behind wastes space but is never read again.
void remove_files(const std::string& data_dir, const std::vector<std::string>& relative_paths);

}  // namespace agentd::knowledge
