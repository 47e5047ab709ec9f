// --platform: gantry runs RUN steps natively, so it builds for the host's platform only.
#pragma once

#include <string>

namespace gantry::cli {

// Accepts "linux/amd64" (also "linux/amd64/v1".."v4" and "linux/x86_64"), empty, or several
// comma-separated that are all that; throws UsageError naming any other platform.
void check_build_platform(const std::string& platforms);

}  // namespace gantry::cli
