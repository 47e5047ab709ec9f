#include "frontend/dockerfile/file_checks.h"

#include <algorithm>
#include <vector>

#include "base/error.h"
#include "base/image_ref.h"
#include "base/platform.h"
#include "frontend/dockerfile/suggest.h"
#include "frontend/dockerfile/text.h"

namespace gantry::frontend {

namespace {

using namespace check_rules;

std::string to_upper_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return out;
}

std::vector<std::string> comments_of(const Ast& ast, const Node& n) {
  std::vector<std::string> out;
  for (std::string_view c : ast.comments(n)) out.emplace_back(c);
  return out;
}

// A description comment must start with the name it describes ("# GO_VERSION the Go release");
// only the last comment line above the instruction is read, as BuildKit reads it.
void check_description(const Ast& ast, const Node& n, const std::string& instruction,
                       const std::vector<std::string>& names, CheckReport& report) {
  const std::vector<std::string> comments = comments_of(ast, n);
  if (comments.empty() || names.empty()) return;
  const std::string& last = comments.back();
  const std::string first_word = last.substr(0, last.find(' '));
  if (std::find(names.begin(), names.end(), first_word) != names.end()) return;
  const std::string example = names.size() > 1 ? "<arg_key>" : names[0];
  report.add(kInvalidDefinitionDescription, n.start_line, n.end_line,
             "Comment for " + instruction + " should follow the format: `# " + example + " <description>`", comments);
}

bool self_consistent(std::string_view word) { return word == to_lower(word) || word == to_upper_ascii(word); }

std::string flag_value(const Ast& ast, const Node& n, std::string_view name) {
  const std::string prefix = "--" + std::string(name) + "=";
  std::string value;
  for (std::string_view flag : ast.flags(n))
    if (flag.starts_with(prefix)) value = std::string(flag.substr(prefix.size()));
  return value;
}

// A word expanded with `env`, and the names it referenced; nothing when it does not expand
// (the build itself reports that).
struct Expansion {
  std::string result;
  std::set<std::string> matched;    // referenced and in `env`
  std::set<std::string> unmatched;  // referenced and not in `env`
};
std::optional<Expansion> expand(const ShellLexer& lexer, std::string_view word, const ShellEnv& env) {
  Expansion out;
  std::set<std::string> referenced;
  try {
    out.result = lexer.process_word(word, env, &referenced);
  } catch (const Error&) {
    return std::nullopt;
  }
  for (const std::string& name : referenced) (env.count(name) ? out.matched : out.unmatched).insert(name);
  return out;
}

void check_from_args(const Expansion& e, const FromLineArgs& args, const Node& n,
                     const std::vector<std::string>& comments, CheckReport& report) {
  std::set<std::string> known = args.declared;
  for (const auto& [name, value] : args.values) known.insert(name);
  for (const std::string& name : e.unmatched) {
    if (known.count(name)) continue;
    const std::string suggestion = closest_name(name, known);
    report.add(kUndefinedArgInFrom, n.start_line, n.end_line,
               "FROM argument '" + name + "' is not declared" +
                   (suggestion.empty() ? "" : " (did you mean " + suggestion + "?)"),
               comments);
  }
}

}  // namespace

void check_file(const Ast& ast, CheckReport& report) {
  for (const ParseWarning& w : ast.warnings()) report.add(kNoEmptyContinuation, w.line, w.line, "Empty continuation line");

  std::set<std::string> stage_names;
  const Node* first_from = nullptr;
  for (const Node& n : ast.nodes()) {
    const std::string keyword(ast.keyword(n));
    const std::string lower = to_lower(keyword);
    const std::vector<std::string> comments = comments_of(ast, n);
    if (lower == "maintainer")
      report.add(kMaintainerDeprecated, n.start_line, n.end_line, "Maintainer instruction is deprecated in favor of using label", comments);
    if (lower == "arg") {
      std::vector<std::string> names;
      for (std::string_view word : ast.args(n)) names.emplace_back(word.substr(0, word.find('=')));
      check_description(ast, n, "ARG", names, report);
    }
    if (lower != "from") continue;
    if (!first_from) first_from = &n;
    const WordList args = ast.args(n);
    if (args.size() != 3) continue;
    const std::string as(args[1]), name(args[2]);
    if (name != to_lower(name))
      report.add(kStageNameCasing, n.start_line, n.end_line, "Stage name '" + name + "' should be lowercase", comments);
    // A FROM of mixed case is ConsistentInstructionCasing's to report, not this rule's.
    const bool from_lower = keyword == to_lower(keyword), from_upper = keyword == to_upper_ascii(keyword);
    if ((from_lower && as != to_lower(as)) || (!from_lower && from_upper && as != to_upper_ascii(as)))
      report.add(kFromAsCasing, n.start_line, n.end_line, "'" + as + "' and '" + keyword + "' keywords' casing do not match", comments);
    const std::string stage = to_lower(name);
    check_description(ast, n, "FROM", {stage}, report);
    if (stage == "context" || stage == "scratch")
      report.add(kReservedStageName, n.start_line, n.end_line, "Stage name should not use the same name as reserved stage " + go_quote(stage));
    if (!stage_names.insert(stage).second)
      report.add(kDuplicateStageName, n.start_line, n.end_line, "Duplicate stage name " + go_quote(stage) + ", stage names should be unique");
  }

  // Casing: the instructions of the stages (global ARGs aside) should agree with their majority.
  if (!first_from) return;
  const auto stage_nodes = ast.nodes().subspan(static_cast<std::size_t>(first_from - ast.nodes().data()));
  int lower_count = 0, upper_count = 0;
  for (const Node& n : stage_nodes) {
    const std::string_view keyword = ast.keyword(n);
    if (!self_consistent(keyword)) continue;
    (keyword == to_lower(keyword) ? lower_count : upper_count)++;
  }
  const bool majority_lower = lower_count > upper_count;
  for (const Node& n : stage_nodes) {
    const std::string keyword(ast.keyword(n));
    std::string casing;
    if (majority_lower && keyword != to_lower(keyword)) casing = "lowercase";
    else if (!majority_lower && keyword != to_upper_ascii(keyword)) casing = "uppercase";
    if (!casing.empty())
      report.add(kConsistentInstructionCasing, n.start_line, n.end_line,
                 "Command '" + keyword + "' should match the case of the command majority (" + casing + ")");
  }
}

void check_from_lines(const Ast& ast, const FromLineArgs& args, char escape, CheckReport& report) {
  const ShellLexer lexer(ShellLexerOptions{.escape = escape});
  // The base names as they would be with no --build-arg: a default that makes one invalid
  // breaks the build of whoever relies on the defaults.
  if (args.defaults_valid) {
    for (const Node& n : ast.nodes()) {
      if (!iequals(ast.keyword(n), "from") || ast.args(n).empty()) continue;
      const std::string_view base = ast.args(n)[0];
      const auto e = expand(lexer, base, args.defaults);
      if (!e) break;  // as BuildKit: the check stops, the build reports the error
      bool valid = !e->result.empty();
      try {
        if (valid) (void)ImageRef::parse(e->result);
      } catch (const Error&) {
        valid = false;
      }
      if (!valid)
        report.add(kInvalidDefaultArgInFrom, n.start_line, n.end_line,
                   "Default value for ARG " + std::string(base) + " results in empty or invalid base image name");
    }
  }

  for (const Node& n : ast.nodes()) {
    if (!iequals(ast.keyword(n), "from") || ast.args(n).empty()) continue;
    const std::vector<std::string> comments = comments_of(ast, n);
    const WordList words = ast.args(n);
    const std::string stage = words.size() == 3 ? to_lower(words[2]) : "";
    if (const auto e = expand(lexer, words[0], args.values)) check_from_args(*e, args, n, comments, report);
    const std::string platform = flag_value(ast, n, "platform");
    if (platform.empty()) continue;
    const auto e = expand(lexer, platform, args.values);
    if (!e) continue;
    check_from_args(*e, args, n, comments, report);
    // $TARGETPLATFORM alone is what FROM uses anyway.
    if (e->matched.size() == 1 && e->unmatched.empty() && e->matched.count("TARGETPLATFORM") &&
        e->result == args.values.at("TARGETPLATFORM"))
      report.add(kRedundantTargetPlatform, n.start_line, n.end_line,
                 "Setting platform to predefined " + platform + " in FROM is redundant as this is the default behavior",
                 comments);
    // A constant platform, unless the stage's name says it is for that platform on purpose.
    if (e->matched.empty() && e->unmatched.empty()) {
      std::optional<Platform> parsed;
      try {
        parsed = Platform::parse(e->result);
      } catch (const Error&) {
      }
      if (parsed && stage.find(parsed->os) == std::string::npos &&
          stage.find(parsed->architecture) == std::string::npos)
        report.add(kFromPlatformFlagConstDisallowed, n.start_line, n.end_line,
                   "FROM --platform flag should not use constant value " + go_quote(e->result), comments);
    }
  }
}

void check_undefined_vars(const std::set<std::string>& referenced, const ShellEnv& env,
                          const std::set<std::string>& declared, int line, int end_line,
                          const std::vector<std::string>& comments, CheckReport& report) {
  std::set<std::string> options;
  for (const auto& [name, value] : env) options.insert(name);
  for (const std::string& name : referenced) {
    if (env.count(name) || declared.count(name)) continue;
    const std::string suggestion = closest_name(name, options);
    report.add(kUndefinedVar, line, end_line,
               "Usage of undefined variable '$" + name + "'" +
                   (suggestion.empty() ? "" : " (did you mean $" + suggestion + "?)"),
               comments);
  }
}

bool names_a_secret(std::string_view name) {
  static const std::set<std::string> kSecretWords = {"apikey", "auth",   "credential", "credentials", "key",
                                                     "password", "pword", "passwd",     "secret",      "token"};
  static const std::set<std::string> kHarmlessWords = {"public", "file", "version"};
  bool secret = false, harmless = false;
  std::size_t pos = 0;
  while (true) {
    const std::size_t underscore = name.find('_', pos);
    const std::string part = to_lower(name.substr(pos, underscore == std::string_view::npos ? std::string_view::npos : underscore - pos));
    secret = secret || kSecretWords.count(part);
    harmless = harmless || kHarmlessWords.count(part);
    if (underscore == std::string_view::npos) break;
    pos = underscore + 1;
  }
  return secret && !harmless;
}

std::string closest_name(std::string_view word, const std::set<std::string>& candidates) {
  std::string match;
  std::size_t best = 3;
  for (const std::string& candidate : candidates) {
    if (candidate == word) return "";
    const std::size_t d = edit_distance(word, candidate);
    if (d < best) {
      best = d;
      match = candidate;
    }
  }
  return match;
}

}  // namespace gantry::frontend
