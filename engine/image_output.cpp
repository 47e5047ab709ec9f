#include "engine/image_output.h"

#include <filesystem>

#include "base/error.h"
#include "base/file_util.h"
#include "base/image_ref.h"
#include "engine/store_images.h"
#include "exporter/archive.h"
#include "exporter/rootfs.h"
#include "registry/push.h"

namespace gantry::engine {

namespace fs = std::filesystem;

namespace {

// The archive's names for the manifest: every tag, or one unnamed entry.
exporter::TaggedManifests named(const std::vector<std::string>& tags, const Digest& manifest) {
  exporter::TaggedManifests out;
  for (const auto& t : tags) out.emplace_back(t, manifest);
  if (out.empty()) out.emplace_back("", manifest);
  return out;
}

// The layer directories of the image, top first, as overlayfs stacks them.
std::vector<fs::path> layer_dirs_top_first(cache::Store& store, const std::vector<std::string>& layers) {
  std::vector<fs::path> dirs;
  for (auto it = layers.rbegin(); it != layers.rend(); ++it) dirs.push_back(store.snapshots().dir(*it));
  return dirs;
}

// An output written as its spec says.
class SpecifiedOutput : public ImageOutput {
 public:
  explicit SpecifiedOutput(OutputSpec spec) : spec_(std::move(spec)) {}

 protected:
  OutputSpec spec_;
};

class OciArchive : public SpecifiedOutput {
 public:
  using SpecifiedOutput::SpecifiedOutput;
  void write(cache::Store& store, const BuiltImage& image) override {
    // Its layers are compressed as the output asks, unlike the store's.
    auto archived = commit_image(store, image.layers, image.config, image.created,
                                 spec_.pack_options(image.source_date_epoch), spec_.force_compression());
    exporter::write_oci_archive(store.content(), named(image.tags, archived.manifest),
                                exporter::OutputTarget(spec_.dest));
  }
};

class DockerArchive : public SpecifiedOutput {
 public:
  using SpecifiedOutput::SpecifiedOutput;
  void write(cache::Store& store, const BuiltImage& image) override {
    store_layer_blobs(store, image.stored.manifest);
    const TempDir scratch = store.scratch_dir();
    exporter::write_docker_archive(store.content(), named(image.tags, image.stored.manifest),
                                   exporter::OutputTarget(spec_.dest), scratch.path());
  }
};

class RootfsDirectory : public SpecifiedOutput {
 public:
  using SpecifiedOutput::SpecifiedOutput;
  void write(cache::Store& store, const BuiltImage& image) override {
    cache::StagingBeside staging = store.staging_beside(spec_.dest);
    exporter::fill_rootfs_dir(layer_dirs_top_first(store, image.layers), staging.path());
    staging.commit();
  }
};

class RootfsTar : public SpecifiedOutput {
 public:
  using SpecifiedOutput::SpecifiedOutput;
  void write(cache::Store& store, const BuiltImage& image) override {
    exporter::write_rootfs_tar(layer_dirs_top_first(store, image.layers), spec_.dest);
  }
};

class RegistryPush : public SpecifiedOutput {
 public:
  RegistryPush(OutputSpec spec, const RegistryAccess& registry, Messages& messages)
      : SpecifiedOutput(std::move(spec)), registry_(registry), messages_(messages) {}
  void write(cache::Store& store, const BuiltImage& image) override {
    // Pushed layers are compressed as the output asks (gzip by default), unlike the store's.
    auto pushed = commit_image(store, image.layers, image.config, image.created,
                               spec_.pack_options(image.source_date_epoch), spec_.force_compression());
    const auto names = spec_.attrs.count("name") ? std::vector<std::string>{spec_.attrs.at("name")} : image.tags;
    for (const auto& name : names) {
      auto report = registry::push_image(store, pushed.manifest, ImageRef::parse(name), registry_.options,
                                         registry_.credentials);
      // The local image has the registry's manifest as a digest of its repository (docker's RepoDigests).
      store.images().add_repo_digest(ImageRef::parse(name).familiar(), report.manifest, image.stored.manifest);
      messages_.info("pushed " + name + "@" + report.manifest.str() + " (" + std::to_string(report.blobs_uploaded) +
                     " blobs uploaded, " + std::to_string(report.blobs_present + report.blobs_mounted) +
                     " reused)");
    }
  }

 private:
  const RegistryAccess& registry_;
  Messages& messages_;
};

}  // namespace

std::unique_ptr<ImageOutput> make_image_output(const OutputSpec& spec, const RegistryAccess& registry,
                                               Messages& messages) {
  if (spec.type == "oci") return std::make_unique<OciArchive>(spec);
  if (spec.type == "docker") return std::make_unique<DockerArchive>(spec);
  if (spec.type == "local") return std::make_unique<RootfsDirectory>(spec);
  if (spec.type == "tar") return std::make_unique<RootfsTar>(spec);
  if (spec.type == "registry") return std::make_unique<RegistryPush>(spec, registry, messages);
  if (spec.type == "image") return nullptr;
  throw UsageError("--output type=" + spec.type + ": unknown type");
}

}  // namespace gantry::engine
