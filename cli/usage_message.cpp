#include "cli/usage_message.h"

namespace gantry::cli {

namespace {

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

// CLI11's "The following arguments were not expected: --foo bar" as docker says it.
std::string reworded(const CLI::ParseError& e, const std::string& command) {
  std::string what = e.what();
  if (dynamic_cast<const CLI::ExtrasError*>(&e)) {
    auto colon = what.find(": ");
    std::string extras = colon == std::string::npos ? what : what.substr(colon + 2);
    std::string first = extras.substr(0, extras.find(' '));
    if (first.starts_with("-")) return "unknown flag: " + first;
    return "\"" + command + "\" got an unexpected argument `" + first + "`";
  }
  if (dynamic_cast<const CLI::RequiredError*>(&e) && what.find("subcommand") != std::string::npos)
    return "\"" + command + "\" needs a command";
  return what;
}

}  // namespace

std::string usage_message(const CLI::App& app, const CLI::ParseError& e) {
  const std::string command = command_path(app);
  return reworded(e, command) + "\nSee '" + command + " --help'.";
}

}  // namespace gantry::cli
