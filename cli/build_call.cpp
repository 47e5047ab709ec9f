#include "cli/build_call.h"

#include <algorithm>
#include <ostream>

#include <nlohmann/json.hpp>

#include "base/base64.h"
#include "base/error.h"
#include "base/utf8.h"

namespace gantry::cli {

namespace {

using nlohmann::ordered_json;

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t pos = 0;
  while (true) {
    const std::size_t nl = text.find('\n', pos);
    lines.push_back(text.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos));
    if (nl == std::string::npos) return lines;
    pos = nl + 1;
  }
}

// The lines at fault with a few around them, as BuildKit prints a source range.
void print_source_lines(std::ostream& out, const CallSource& source, int first, int last) {
  const std::vector<std::string> lines = split_lines(source.text);
  const int count = static_cast<int>(lines.size());
  if (first < 1 || first > count) return;
  int start = first, end = std::min(std::max(first, last), count);
  const int wanted = start == end ? 4 : 2;
  // BuildKit's widening: a line before and a line after per round, each counted with the round.
  for (int added = 0; added < wanted;) {
    if (start > 1) {
      --start;
      ++added;
    }
    if (end != count) {
      ++end;
      ++added;
    }
    ++added;
  }
  out << source.file_name << ":" << first << "\n--------------------\n";
  for (int i = start; i <= end; ++i) {
    const bool at_fault = i >= first && i <= std::max(first, last);
    std::string number = std::to_string(i);
    if (number.size() < 3) number.insert(0, 3 - number.size(), ' ');
    out << " " << number << " | " << (at_fault ? ">>>" : "   ") << " " << lines[i - 1] << "\n";
  }
  out << "--------------------\n";
}

ordered_json location(int first, int last) {
  return {{"ranges", ordered_json::array({{{"start", {{"line", first}}}, {"end", {{"line", std::max(first, last)}}}}})}};
}

ordered_json sources(const CallSource& source) { return ordered_json::array({base64_encode(source.text)}); }

}  // namespace

BuildCall parse_build_call(std::string_view value) {
  BuildCall call;
  std::string name;
  std::size_t pos = 0;
  while (pos <= value.size()) {
    const std::size_t comma = value.find(',', pos);
    const std::string field(value.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos));
    pos = comma == std::string_view::npos ? value.size() + 1 : comma + 1;
    const std::size_t eq = field.find('=');
    if (eq == std::string::npos) {
      if (!name.empty()) throw UsageError("--call " + std::string(value) + ": more than one method");
      name = field;
      continue;
    }
    const std::string key = field.substr(0, eq), v = field.substr(eq + 1);
    if (key == "format") {
      if (v != "json") throw UsageError("--call " + std::string(value) + ": format=" + v + " is not known (json is)");
      call.json = true;
    } else if (key == "ignorestatus") {
      if (v != "true" && v != "false") throw UsageError("--call " + std::string(value) + ": ignorestatus= takes true or false");
      call.ignore_status = v == "true";
    } else {
      throw UsageError("--call " + std::string(value) + ": option " + key + "= is not known (format=, ignorestatus= are)");
    }
  }
  // "lint" is what buildx sends for check.
  if (name == "build" || name.empty()) call.method = CallMethod::Build;
  else if (name == "check" || name == "lint") call.method = CallMethod::Check;
  else if (name == "outline") call.method = CallMethod::Outline;
  else if (name == "targets") call.method = CallMethod::Targets;
  else throw UsageError("--call " + std::string(value) + ": method " + name + " is not known (build, check, outline, targets are)");
  if (call.method == CallMethod::Build && (call.json || call.ignore_status))
    throw UsageError("--call " + std::string(value) + ": a build has no result to format");
  return call;
}

std::string tab_columns(const std::vector<std::vector<std::string>>& rows, std::size_t padding) {
  std::vector<std::size_t> widths;
  for (const auto& row : rows)
    for (std::size_t c = 0; c + 1 < row.size(); ++c) {
      if (widths.size() <= c) widths.resize(c + 1, 0);
      widths[c] = std::max(widths[c], utf8_columns(row[c]));
    }
  std::string out;
  for (const auto& row : rows) {
    for (std::size_t c = 0; c < row.size(); ++c) {
      out += row[c];
      if (c + 1 < row.size()) out.append(widths[c] + padding - utf8_columns(row[c]), ' ');
    }
    out += '\n';
  }
  return out;
}

int print_check(std::ostream& out, const BuildCall& call, const engine::CheckOutcome& outcome,
                const CallSource& source) {
  std::vector<frontend::CheckWarning> warnings = outcome.warnings;
  std::stable_sort(warnings.begin(), warnings.end(), [](const auto& a, const auto& b) { return a.line < b.line; });
  if (call.json) {
    ordered_json result;
    result["warnings"] = nullptr;
    for (const auto& w : warnings) {
      ordered_json item = {{"ruleName", w.rule}};
      if (!w.description.empty()) item["description"] = w.description;
      if (!w.url.empty()) item["url"] = w.url;
      item["detail"] = w.message;
      item["location"] = location(w.line, w.end_line);
      result["warnings"].push_back(item);
    }
    result["sources"] = ordered_json::array(
        {{{"filename", source.file_name}, {"language", "Dockerfile"}, {"data", base64_encode(source.text)}}});
    if (outcome.error) result["buildError"] = {{"message", *outcome.error}};
    out << result.dump(2) << "\n";
  } else {
    if (!warnings.empty())
      out << "Check complete, "
          << (warnings.size() == 1 ? "1 warning has been found!" : std::to_string(warnings.size()) + " warnings have been found!")
          << "\n";
    for (const auto& w : warnings) {
      out << "\nWARNING: " << w.rule;
      if (!w.url.empty()) out << " - " << w.url;
      out << "\n" << w.message << "\n";
      print_source_lines(out, source, w.line, w.end_line);
    }
    if (outcome.error && !warnings.empty()) out << "\n";
    if (!outcome.error && warnings.empty()) out << "Check complete, no warnings found.\n";
  }
  out.flush();
  if (outcome.error) throw Error(*outcome.error);
  return !warnings.empty() && !call.ignore_status ? 1 : 0;
}

void print_outline(std::ostream& out, const BuildCall& call, const frontend::Outline& outline,
                   const CallSource& source) {
  if (call.json) {
    ordered_json result = ordered_json::object();
    if (!outline.name.empty()) result["name"] = outline.name;
    if (!outline.description.empty()) result["description"] = outline.description;
    for (const auto& a : outline.args) {
      ordered_json item = {{"name", a.name}};
      if (!a.description.empty()) item["description"] = a.description;
      if (!a.value.empty()) item["value"] = a.value;
      item["location"] = location(a.line, a.line);
      result["args"].push_back(item);
    }
    for (const auto& [key, mounts] : {std::pair{"secrets", &outline.secrets}, std::pair{"ssh", &outline.ssh}})
      for (const auto& m : *mounts) {
        ordered_json item = {{"name", m.id}};
        if (m.required) item["required"] = true;
        item["location"] = location(m.line, m.line);
        result[key].push_back(item);
      }
    result["sources"] = sources(source);
    out << result.dump(2) << "\n";
    return;
  }
  if (!outline.name.empty() || !outline.description.empty()) {
    std::vector<std::vector<std::string>> rows = {{"TARGET:", outline.name.empty() ? "(default)" : outline.name}};
    if (!outline.description.empty()) rows.push_back({"DESCRIPTION:", outline.description});
    out << tab_columns(rows, 1) << "\n";
  }
  if (!outline.args.empty()) {
    std::vector<std::vector<std::string>> rows = {{"BUILD ARG", "VALUE", "DESCRIPTION"}};
    for (const auto& a : outline.args) rows.push_back({a.name, a.value, a.description});
    out << tab_columns(rows, 3) << "\n";
  }
  for (const auto& [title, mounts] : {std::pair{"SECRET", &outline.secrets}, std::pair{"SSH", &outline.ssh}}) {
    if (mounts->empty()) continue;
    std::vector<std::vector<std::string>> rows = {{title, "REQUIRED"}};
    for (const auto& m : *mounts) rows.push_back({m.id, m.required ? "true" : ""});
    out << tab_columns(rows, 3) << "\n";
  }
}

void print_targets(std::ostream& out, const BuildCall& call, const std::vector<frontend::BuildTarget>& targets,
                   const CallSource& source) {
  if (call.json) {
    ordered_json result = {{"targets", ordered_json::array()}};
    for (const auto& t : targets) {
      ordered_json item = ordered_json::object();
      if (!t.name.empty()) item["name"] = t.name;
      if (t.is_default) item["default"] = true;
      if (!t.description.empty()) item["description"] = t.description;
      if (!t.base.empty()) item["base"] = t.base;
      if (!t.platform.empty()) item["platform"] = t.platform;
      item["location"] = location(t.line, t.line);
      result["targets"].push_back(item);
    }
    result["sources"] = sources(source);
    out << result.dump(2) << "\n";
    return;
  }
  std::vector<std::vector<std::string>> rows = {{"TARGET", "DESCRIPTION"}};
  for (const auto& t : targets) {
    std::string name = t.name;
    if (t.is_default) name = name.empty() ? "(default)" : name + " (default)";
    rows.push_back({name, t.description});
  }
  out << tab_columns(rows, 1);
}

}  // namespace gantry::cli
