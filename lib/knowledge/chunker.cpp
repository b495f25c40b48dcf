#include "knowledge/chunker.hpp"

#include <algorithm>

namespace agentd::knowledge {
namespace {

bool continuation(unsigned char c) { return (c & 0xC0) == 0x80; }

// Moves `pos` back to the start of a UTF-8 character.
std::size_t char_boundary(const std::string& s, std::size_t pos) {
  while (pos > 0 && pos < s.size() && continuation(static_cast<unsigned char>(s[pos]))) --pos;
  return pos;
}

// Where to end a piece that starts at `start`: the last good boundary before start + target.
std::size_t split_point(const std::string& s, std::size_t start, std::size_t target) {
  const std::size_t limit = start + target;
  if (limit >= s.size()) return s.size();
  const std::size_t floor = start + target / 2;
  // Only the window [floor, limit] is searched, so a text without separators stays linear.
  const std::string_view window = std::string_view(s).substr(floor, limit - floor);
  for (std::string_view sep : {"\n\n", "\n", ". ", "。", "! ", "? ", " "}) {
    const std::size_t at = window.rfind(sep);
    if (at != std::string_view::npos && floor + at + sep.size() <= limit) return floor + at + sep.size();
  }
  return char_boundary(s, limit);
}

bool same_place(const Section& a, const Section& b) {
  return !a.record && !b.record && a.page == b.page && a.slide == b.slide && a.heading == b.heading;
}

}  // namespace

std::vector<Chunk> chunk_sections(const std::vector<Section>& sections, std::size_t target, std::size_t overlap) {
  std::vector<Chunk> out;
  std::optional<Chunk> open;
  const Section* open_section = nullptr;
  auto close = [&] {
    if (open && open->text.find_first_not_of(" \t\r\n") != std::string::npos) out.push_back(std::move(*open));
    open.reset();
    open_section = nullptr;
  };
  for (const Section& s : sections) {
    if (s.text.size() <= target) {
      if (open && (!same_place(*open_section, s) || open->text.size() + 1 + s.text.size() > target)) close();
      if (!open) {
        open = Chunk{s.text, s.page, s.slide, s.line, s.heading};
        open_section = &s;
      } else {
        open->text += "\n" + s.text;
      }
      continue;
    }
    close();
    // Linear in the section's size: lines are counted as the start moves forward, and the
    // overlap's word boundary is looked for only inside the overlap.
    std::size_t start = 0, counted_to = 0;
    int line = s.line.value_or(0);
    while (start < s.text.size()) {
      const std::size_t end = split_point(s.text, start, target);
      line += static_cast<int>(std::count(s.text.begin() + static_cast<std::ptrdiff_t>(counted_to),
                                          s.text.begin() + static_cast<std::ptrdiff_t>(start), '\n'));
      counted_to = start;
      Chunk c{s.text.substr(start, end - start), s.page, s.slide, std::nullopt, s.heading};
      if (s.line) c.line = line;
      if (c.text.find_first_not_of(" \t\r\n") != std::string::npos) out.push_back(std::move(c));
      if (end >= s.text.size()) break;
      // The next piece repeats the tail of this one, starting at a word boundary.
      std::size_t next = end > overlap ? end - overlap : 0;
      const std::size_t space = std::string_view(s.text).substr(next, end - next).find(' ');
      if (space != std::string_view::npos) next += space + 1;
      next = char_boundary(s.text, next);
      start = next > start ? next : end;
    }
  }
  close();
  return out;
}

}  // namespace agentd::knowledge
