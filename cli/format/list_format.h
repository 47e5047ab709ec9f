// A listing verb's --format (images, history), read as docker reads it: 'table' (the verb's own
// table), 'table TEMPLATE' (a header row of the fields' column names, then a row each, columns
// aligned), 'json' (each row as a JSON object on a line), or 'TEMPLATE' (a row each). The
// two-character escapes \t and \n in the text stand for a tab and a newline, as docker allows.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/format/go_template.h"

namespace gantry::cli {

class ListFormat {
 public:
  // `headers` maps each row field to its column name (docker's spelling: "ID" -> "IMAGE ID").
  // Throws UsageError naming the template when it is malformed.
  ListFormat(const std::string& format, nlohmann::json headers);

  // 'table' alone: the verb prints its own table.
  bool is_default_table() const { return !row_; }

  // The rows (objects with the fields `headers` names) as the format lays them out.
  std::string render(const std::vector<nlohmann::json>& rows) const;

 private:
  std::optional<GoTemplate> row_;
  bool table_ = false;
  nlohmann::json headers_;
};

}  // namespace gantry::cli
