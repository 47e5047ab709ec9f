// build's --output (-o) and --annotation, as buildx takes them (engine/output_spec.h,
// engine/image_annotations.h), and what standard output is for: the one output with dest=-
// (`-o -`, `-o type=oci`) gets it, a terminal refused; progress and -q's ID then keep off it.
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

#include "engine/build_job.h"

namespace gantry::cli {

struct OutputFlags {
  std::vector<std::string> outputs;
  std::vector<std::string> annotations;
};

void add_output_flags(CLI::App& command, OutputFlags& flags);

// Adds the outputs and annotations to `request`, with standard output for the one that writes
// there. Throws UsageError naming the value at fault, or when standard output is a terminal or
// `quiet` would print the image ID in the archive's stream.
void add_outputs_to_request(const OutputFlags& flags, bool quiet, engine::BuildRequest& request);

// Whether an output of the request writes to standard output (progress then goes to stderr).
bool writes_to_stdout(const engine::BuildRequest& request);

}  // namespace gantry::cli
