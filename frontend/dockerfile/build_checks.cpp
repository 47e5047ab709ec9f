#include "frontend/dockerfile/build_checks.h"

#include "base/error.h"
#include "frontend/dockerfile/text.h"

namespace gantry::frontend {

namespace {

std::set<std::string> rule_names(std::string_view list) {
  std::set<std::string> out;
  std::size_t pos = 0;
  while (true) {
    const std::size_t comma = list.find(',', pos);
    out.emplace(trim_space(list.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos)));
    if (comma == std::string_view::npos) return out;
    pos = comma + 1;
  }
}

// Go's strconv.ParseBool, which BuildKit reads error= with.
std::optional<bool> parse_go_bool(std::string_view v) {
  for (std::string_view t : {"1", "t", "T", "TRUE", "true", "True"})
    if (v == t) return true;
  for (std::string_view f : {"0", "f", "F", "FALSE", "false", "False"})
    if (v == f) return false;
  return std::nullopt;
}

// The value of a `check=VALUE` comment (`#` already removed), up to its first blank, as BuildKit
// reads an override above one instruction; nothing when the comment is something else.
std::optional<std::string_view> check_comment_value(std::string_view comment) {
  comment = trim_space(comment);
  const std::size_t eq = comment.find('=');
  if (eq == std::string_view::npos || !iequals(trim_space(comment.substr(0, eq)), "check")) return std::nullopt;
  std::string_view value = trim_space(comment.substr(eq + 1));
  if (value.empty()) return std::nullopt;
  return value.substr(0, value.find_first_of(" \t"));
}

}  // namespace

CheckConfig parse_check_config(std::string_view text) {
  CheckConfig config;
  text = trim_space(text);
  if (text.empty()) return config;
  // As BuildKit: at most three options; a third holding more `;` fails on its key.
  std::vector<std::string_view> parts;
  std::size_t pos = 0;
  while (parts.size() < 2) {
    const std::size_t semicolon = text.find(';', pos);
    if (semicolon == std::string_view::npos) break;
    parts.push_back(text.substr(pos, semicolon - pos));
    pos = semicolon + 1;
  }
  parts.push_back(text.substr(pos));
  for (std::string_view part : parts) {
    const std::size_t eq = part.find('=');
    if (eq == std::string_view::npos) throw Error("invalid check option " + go_quote(part));
    const std::string_view key = trim_space(part.substr(0, eq));
    const std::string_view value = trim_space(part.substr(eq + 1));
    if (key == "skip") {
      if (value == "all") config.skip_all = true;
      else config.skip = rule_names(value);
    } else if (key == "experimental") {
      if (value == "all") config.experimental_all = true;
      else config.experimental = rule_names(value);
    } else if (key == "error") {
      const auto error = parse_go_bool(value);
      if (!error)
        throw Error("invalid check option " + go_quote(part) + ": error= takes true or false, not " + go_quote(value));
      config.error = *error;
    } else {
      throw Error("invalid check option " + go_quote(key) + " (known: skip, experimental, error)");
    }
  }
  return config;
}

CheckConfig merge_check_config(const CheckConfig& base, const CheckConfig& over) {
  CheckConfig merged = base;
  merged.skip_all = base.skip_all || over.skip_all;
  merged.skip.insert(over.skip.begin(), over.skip.end());
  merged.experimental_all = base.experimental_all || over.experimental_all;
  merged.experimental.insert(over.experimental.begin(), over.experimental.end());
  return merged;
}

std::string CheckWarning::short_text() const {
  std::string out = rule + ": " + message;
  if (line > 0) out += " (line " + std::to_string(line) + ")";
  return out;
}

void CheckReport::add(const CheckRule& rule, int line, int end_line, std::string message,
                      const std::vector<std::string>& comments) {
  CheckConfig config = config_;
  // The first `check=` comment above the instruction counts; one that does not parse is passed
  // over, as BuildKit does, rather than failing a build over a comment.
  for (const std::string& comment : comments) {
    const auto value = check_comment_value(comment);
    if (!value) continue;
    try {
      config = merge_check_config(config_, parse_check_config(*value));
    } catch (const Error&) {
    }
    break;
  }
  const std::string name(rule.name);
  if (rule.experimental) {
    if (!config.experimental_all && !config.experimental.count(name)) return;
  } else if (config.skip_all || config.skip.count(name)) {
    return;
  }
  warnings_.push_back({name, std::string(rule.description), std::string(rule.url), std::move(message), line,
                       end_line > 0 ? end_line : line});
}

std::optional<std::string> CheckReport::failure() const {
  if (!config_.error || warnings_.empty()) return std::nullopt;
  std::set<std::string> rules;
  for (const CheckWarning& w : warnings_) rules.insert(w.rule);
  std::string list;
  for (const std::string& r : rules) list += (list.empty() ? "" : ", ") + r;
  return "lint violation found for rules: " + list;
}

}  // namespace gantry::frontend
