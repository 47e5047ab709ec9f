#include "cli/build_notes.h"

namespace gantry::cli {

void note_built_image(ProgressDisplay& progress, const std::vector<std::string>& tags,
                      const exporter::ImageRecord& image) {
  progress.note("writing image " + image.config.str() + " done");
  for (const auto& t : tags) progress.note("naming to " + t + " done");
}

}  // namespace gantry::cli
