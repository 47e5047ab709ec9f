// What the registry end-to-end tests share: reading gantry's error line and printed digests,
// writing a build context, and a config file that names registry mirrors.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "tests/e2e/gantry_runner.h"

namespace gantry::e2e {

// The last "gantry: " line of stderr, what a user reads after a failure.
std::string error_line(const Outcome& o);

// "host/repo@sha256:..." printed by push and pull -> the digest.
std::string digest_of(const std::string& pinned);

// The directory `dir`, made with a Dockerfile holding `dockerfile`.
std::filesystem::path write_context(const std::filesystem::path& dir, const std::string& dockerfile);

// Writes `file`, a gantry config naming `mirrors` (hosts or URLs) for `registry`, and returns
// the environment that makes gantry read it ($GANTRY_CONFIG_FILE).
std::map<std::string, std::string> mirror_config(const std::filesystem::path& file, const std::string& registry,
                                                 const std::vector<std::string>& mirrors);

}  // namespace gantry::e2e
