// The command reference, generated from the same CLI11 definitions that parse argv, so that it
// cannot drift: docs/cli.md (Markdown) and scripts/gantry-completion.bash (bash completion),
// both written by the hidden `gantry docs` command and checked by a test.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

namespace gantry::cli {

std::string markdown_reference(const CLI::App& root);
std::string bash_completion(const CLI::App& root);

// Adds the hidden `gantry docs --format markdown|bash` command.
void add_docs_command(CLI::App& app, std::function<int()>& action);

}  // namespace gantry::cli
