#include "cli/format/list_format.h"

#include "base/error.h"
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

struct Template {
  bool table = false;  // 'table ...': a header row, then columns aligned
  std::string row;     // the row's template text, "" for 'table' alone
};

Template template_of(const std::string& format) {
  Template t{.row = format};
  if (t.row == "json") {
    t.row = "{{json .}}";
  } else if (t.row.rfind("table", 0) == 0) {
    t.table = true;
    t.row = t.row.substr(5);
  }
  t.row = unescape_tabs_and_newlines(trim_spaces(t.row));
  return t;
}

}  // namespace

ListFormat::ListFormat(const std::string& format, nlohmann::json headers) : headers_(std::move(headers)) {
  const Template t = template_of(format);
  table_ = t.table;
  if (table_ && t.row.empty()) return;  // 'table' alone
  row_.emplace(t.row);
}

ListFormat ListFormat::for_verb(const std::string& format, const std::string& default_table,
                                bool quiet, nlohmann::json headers) {
  const Template t = template_of(format);
  const bool users = !format.empty() && !(t.table && t.row.empty());
  if (quiet && users) throw UsageError("--quiet and --format: give one or the other");
  if (quiet) return ListFormat("{{.ID}}", std::move(headers));
  return ListFormat(users ? format : default_table, std::move(headers));
}

std::string ListFormat::render(const std::vector<nlohmann::json>& rows) const {
  if (!row_) return "";  // 'table' alone, which for_verb never gives
  std::string out;
  if (table_) out += row_->render_header(headers_) + "\n";
  for (const auto& row : rows) out += row_->render(row) + "\n";
  return table_ ? align_tab_columns(out) : out;
}

}  // namespace gantry::cli
