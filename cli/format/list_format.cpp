#include "cli/format/list_format.h"

#include "cli/format/tab_columns.h"

namespace gantry::cli {

namespace {

std::string unescape_tabs_and_newlines(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 1 < text.size() && (text[i + 1] == 't' || text[i + 1] == 'n')) {
      out += text[++i] == 't' ? '\t' : '\n';
    } else {
      out += text[i];
    }
  }
  return out;
}

std::string trim_spaces(const std::string& text) {
  const auto first = text.find_first_not_of(' ');
  if (first == std::string::npos) return "";
  return text.substr(first, text.find_last_not_of(' ') - first + 1);
}

}  // namespace

ListFormat::ListFormat(const std::string& format, nlohmann::json headers) : headers_(std::move(headers)) {
  std::string text = format;
  if (text == "json") {
    text = "{{json .}}";
  } else if (text.rfind("table", 0) == 0) {
    table_ = true;
    text = text.substr(5);
  }
  text = unescape_tabs_and_newlines(trim_spaces(text));
  if (table_ && text.empty()) return;  // 'table' alone
  row_.emplace(text);
}

std::string ListFormat::render(const std::vector<nlohmann::json>& rows) const {
  std::string out;
  if (table_) out += row_->render_header(headers_) + "\n";
  for (const auto& row : rows) out += row_->render(row) + "\n";
  return table_ ? align_tab_columns(out) : out;
}

}  // namespace gantry::cli
