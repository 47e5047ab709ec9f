// What a build writes besides the local store's image, one ImageOutput per --output, chosen
// once from its spec: an OCI or docker archive (to a file or standard output), an OCI image
// layout directory (tar=false), a root filesystem (a local directory or a tar), a push to a
// registry (type=registry, type=image,push=true). The local store always gets the image;
// type=image only says how it keeps the layers and what it is named (BuildJob), and
// type=docker without dest= is that image, so neither has an output of its own unless it pushes.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cache/store.h"
#include "engine/messages.h"
#include "engine/output_spec.h"
#include "engine/registry_access.h"
#include "exporter/image.h"
#include "exporter/output_file.h"

namespace gantry::engine {

// A solved build, committed to the local store.
struct BuiltImage {
  const std::vector<std::string>& layers;  // snapshot ids, bottom first
  const nlohmann::json& config;
  std::int64_t created;
  std::optional<std::int64_t> source_date_epoch;  // clamps the times of repacked layers
  const exporter::ImageRecord& stored;            // the local store's image
  const std::vector<std::string>& tags;           // the names the build gives it
};

class ImageOutput {
 public:
  virtual ~ImageOutput() = default;
  // Throws Error naming the destination when it cannot be written.
  virtual void write(cache::Store& store, const BuiltImage& image) = 0;
};

// nullptr when the local store's image is all there is to it (see above). `standard_output`
// is where dest=- goes: the front end's standard output, when it has one to give; without it
// dest=- is a UsageError. `registry`, `messages` and the stream must outlive the output.
std::unique_ptr<ImageOutput> make_image_output(const OutputSpec& spec, const RegistryAccess& registry,
                                               Messages& messages,
                                               const std::optional<exporter::OutputTarget>& standard_output);

}  // namespace gantry::engine
