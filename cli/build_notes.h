// The closing progress lines of a build, as docker prints them: "writing image sha256:... done",
// then "naming to NAME done" for each tag.
#pragma once

#include <string>
#include <vector>

#include "cli/progress/progress_display.h"
#include "exporter/image.h"

namespace gantry::cli {

void note_built_image(ProgressDisplay& progress, const std::vector<std::string>& tags,
                      const exporter::ImageRecord& image);

}  // namespace gantry::cli
