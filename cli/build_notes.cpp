#include "cli/build_notes.h"

namespace gantry::cli {

void note_built_image(ProgressDisplay& progress, const std::vector<std::string>& tags,
                      const exporter::ImageRecord& image) {
  progress.image_written(image.config.str());
  for (const auto& t : tags) progress.image_named(t);
}

}  // namespace gantry::cli
