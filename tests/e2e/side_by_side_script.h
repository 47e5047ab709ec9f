// The script the side-by-side test runs once with docker and once with gantry: it builds the
// Dockerfiles of testdata/side-by-side/ and runs the image commands a CI script runs on them.
// Each step's output is kept in the form the two tools must agree on: where they legitimately
// differ (image IDs of built images, creation times, the name prefix of the run), the step
// compares the thing that must be equal instead, and says why.
#pragma once

#include <filesystem>
#include <map>
#include <string>

#include "tests/e2e/docker_like_cli.h"

namespace gantry::e2e {

struct ScriptStep {
  std::string compared;  // what must be equal between the tools
  std::string context;   // what to show when it is not (the raw output, stderr)
};

// Step name ("images", "inspect app", "run exit 3", ...) -> what that step printed.
using Transcript = std::map<std::string, ScriptStep>;

struct ScriptSetup {
  // The repository prefix of this run's images ("sbs-1234"): runs in parallel on one dockerd,
  // and images an earlier run left, do not mix. Transcripts show it as "REPO".
  std::string repo;
  std::filesystem::path work_dir;  // archives and the terminal's files
};

// The Dockerfile directories under testdata/side-by-side/, each built as REPO/NAME:1.
const std::vector<std::string>& side_by_side_images();

// Expects busybox:latest in the tool's store.
Transcript run_side_by_side_script(const DockerLikeCli& cli, const ScriptSetup& setup);

// Removes what the script made (for docker, whose store outlives the test).
void remove_script_images(const DockerLikeCli& cli, const ScriptSetup& setup);

}  // namespace gantry::e2e
