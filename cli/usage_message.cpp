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

// CLI11's "The following arguments were not expected: --foo bar" as docker says it.
std::string reworded(const CLI::App& app, const CLI::ParseError& e, const std::string& command) {
  std::string what = e.what();
  if (dynamic_cast<const CLI::ExtrasError*>(&e)) {
    auto colon = what.find(": ");
    std::string extras = colon == std::string::npos ? what : what.substr(colon + 2);
    std::string first = extras.substr(0, extras.find(' '));
    if (first.starts_with("-")) return "unknown flag: " + first;
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
