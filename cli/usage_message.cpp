#include "cli/usage_message.h"

#include <vector>

#include "frontend/dockerfile/suggest.h"

namespace gantry::cli {

namespace {

// The innermost subcommand that was parsed (the root when none was).
const CLI::App* innermost(const CLI::App& app) {
  const CLI::App* at = &app;
  while (!at->get_subcommands().empty()) at = at->get_subcommands().front();
  return at;
}

// "gantry build": the root and every subcommand that was parsed, innermost last.
std::string command_path(const CLI::App& app) {
  std::string path = app.get_name();
  const CLI::App* at = &app;
  for (;;) {
    auto parsed = at->get_subcommands();
    if (parsed.empty()) return path;
    at = parsed.front();
    path += " " + at->get_name();
  }
}

// "'biuld' is not a gantry command (did you mean build?)" when the word where a command of `app`
// (spelt `command`) belongs is none, or "" when the command is missing or the word is a flag.
std::string not_a_command(const CLI::App& app, const std::string& command) {
  const std::vector<std::string> words = app.remaining();
  if (words.empty() || words.front().starts_with("-")) return "";
  std::vector<std::string> names;
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) names.push_back(sub->get_name());
  const std::vector<std::string_view> candidates(names.begin(), names.end());
  return "'" + words.front() + "' is not a " + command + " command" +
         frontend::did_you_mean(words.front(), candidates);
}

// The first word CLI11 left unparsed that is a flag, "" when none is. "-" (standard input) is
// an argument.
std::string first_unknown_flag(const std::vector<std::string>& words) {
  for (const std::string& w : words)
    if (w.size() > 1 && w.starts_with("-")) return w;
  return "";
}

// An unknown flag as docker names it: "unknown flag: --bogus" (without its =value),
// "unknown shorthand flag: 'x' in -xy".
std::string unknown_flag(const std::string& word) {
  if (word.starts_with("--")) return "unknown flag: " + word.substr(0, word.find('='));
  return "unknown shorthand flag: '" + word.substr(1, 1) + "' in " + word;
}

// CLI11's "The following arguments were not expected: --foo bar" as docker says it. An unknown
// flag is named before any argument: with `--bogus 1 .` CLI11 takes "1" for the positional and
// leaves "--bogus" and "." unparsed, where docker reports the flag.
std::string reworded(const CLI::App& app, const CLI::ParseError& e, const std::string& command) {
  std::string what = e.what();
  if (dynamic_cast<const CLI::ExtrasError*>(&e)) {
    const std::vector<std::string> extras = app.remaining(true);
    if (std::string flag = first_unknown_flag(extras); !flag.empty()) return unknown_flag(flag);
    auto colon = what.find(": ");
    const std::string listed = colon == std::string::npos ? what : what.substr(colon + 2);
    const std::string first = extras.empty() ? listed.substr(0, listed.find(' ')) : extras.front();
    return "\"" + command + "\" got an unexpected argument `" + first + "`";
  }
  if (dynamic_cast<const CLI::RequiredError*>(&e) && what.find("subcommand") != std::string::npos) {
    if (std::string unknown = not_a_command(*innermost(app), command); !unknown.empty()) return unknown;
    return "\"" + command + "\" needs a command";
  }
  return what;
}

}  // namespace

std::string usage_message(const CLI::App& app, const CLI::ParseError& e) {
  const std::string command = command_path(app);
  return reworded(app, e, command) + "\nSee '" + command + " --help'.";
}

}  // namespace gantry::cli
