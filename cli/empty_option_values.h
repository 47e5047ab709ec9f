// `--entrypoint=""` reaches gantry as `--entrypoint=`: docker reads an empty value, but CLI11
// reads an option without one and takes the next argument as its value (the image, for run).
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

namespace gantry::cli {

// argv[1..] with each `--name=` spelled out as `--name` and an empty argument, up to the
// command's first positional argument: what follows it may be a container command's own
// arguments, which stay as they are.
std::vector<std::string> with_empty_values_spelled_out(CLI::App& app, int argc, char** argv);

}  // namespace gantry::cli
