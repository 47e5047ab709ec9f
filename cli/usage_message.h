// Usage errors worded as docker words them, so that a docker user recognises them:
//   gantry: unknown flag: --frobnicate
//   See 'gantry build --help'.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

namespace gantry::cli {

// The message for a parse error of `app` (the root), naming the subcommand being parsed.
std::string usage_message(const CLI::App& app, const CLI::ParseError& e);

}  // namespace gantry::cli
