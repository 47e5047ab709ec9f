#include "cli/format/tab_columns.h"

#include <algorithm>
#include <cstddef>
#include <vector>

#include "base/utf8.h"

namespace gantry::cli {

namespace {

constexpr std::size_t kMinWidth = 10;
constexpr std::size_t kPadding = 3;

using Line = std::vector<std::string>;  // the cells; all but the last ended in a tab

class ColumnAligner {
 public:
  explicit ColumnAligner(const std::vector<Line>& lines) : lines_(lines) {}

  std::string run() {
    format(0, lines_.size());
    return out_;
  }

 private:
  // Go's tabwriter: the lines [begin, end) share the widths found so far; a run of them that has
  // one more aligned cell makes a block whose widest cell sets the next column's width.
  void format(std::size_t begin, std::size_t end) {
    const std::size_t column = widths_.size();
    for (std::size_t line = begin; line < end; ++line) {
      if (column + 1 >= lines_[line].size()) continue;
      write_lines(begin, line);
      begin = line;
      std::size_t width = kMinWidth;
      for (; line < end && column + 1 < lines_[line].size(); ++line)
        width = std::max(width, utf8_columns(lines_[line][column]) + kPadding);
      widths_.push_back(width);
      format(begin, line);
      widths_.pop_back();
      begin = line;
      --line;  // the loop's ++ moves on to the first line past the block
    }
    write_lines(begin, end);
  }

  void write_lines(std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) {
      const Line& line = lines_[i];
      for (std::size_t j = 0; j < line.size(); ++j) {
        out_ += line[j];
        if (j < widths_.size())
          out_.append(widths_[j] - std::min(widths_[j], utf8_columns(line[j])), ' ');
      }
      out_ += '\n';
    }
  }

  const std::vector<Line>& lines_;
  std::vector<std::size_t> widths_;
  std::string out_;
};

}  // namespace

std::string align_tab_columns(const std::string& text) {
  std::vector<Line> lines;
  Line line{""};
  for (char c : text) {
    if (c == '\t') {
      line.emplace_back();
    } else if (c == '\n') {
      lines.push_back(std::move(line));
      line = Line{""};
    } else {
      line.back() += c;
    }
  }
  if (line.size() > 1 || !line.back().empty()) lines.push_back(std::move(line));
  return ColumnAligner(lines).run();
}

}  // namespace gantry::cli
