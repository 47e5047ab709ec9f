// --platform: the platforms a build is for, as buildx takes them ("linux/amd64,linux/arm64").
#pragma once

#include <string>
#include <vector>

#include "base/platform.h"

namespace gantry::cli {

// Each comma-separated platform, normalised (base/platform.h); none for "". Throws UsageError
// naming a platform that is malformed, empty or given twice.
std::vector<Platform> parse_build_platforms(const std::string& platforms);

}  // namespace gantry::cli
