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
  // 'table' alone is a table of no columns: a verb gives its own table through for_verb.
  ListFormat(const std::string& format, nlohmann::json headers);

  // A verb's format from its flags: the user's --format `format`, or when that is "" or
  // 'table' alone the verb's own `default_table`; with -q (`quiet`) each row's .ID alone.
  // Throws UsageError when -q comes with a --format of the user's.
  static ListFormat for_verb(const std::string& format, const std::string& default_table,
                             bool quiet, nlohmann::json headers);

  // The rows (objects with the fields `headers` names) as the format lays them out.
  std::string render(const std::vector<nlohmann::json>& rows) const;

 private:
  std::optional<GoTemplate> row_;  // none for 'table' alone
  bool table_ = false;
  nlohmann::json headers_;
};

}  // namespace gantry::cli
