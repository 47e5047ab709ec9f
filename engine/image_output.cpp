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

// The archive's names for the manifest: every name, or one unnamed entry.
exporter::TaggedManifests named(const std::vector<std::string>& names, const Digest& manifest) {
  exporter::TaggedManifests out;
  for (const auto& n : names) out.emplace_back(n, manifest);
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
  // name= when given (familiar names), else the build's tags.
  const std::vector<std::string>& names(const BuiltImage& image) const {
    return spec_.names.empty() ? image.tags : spec_.names;
  }
  // The image again, its layers compressed and its manifest annotated as the output asks.
  exporter::ImageRecord commit(cache::Store& store, const BuiltImage& image) const {
    return commit_image(store, image.layers, image.config, image.created, spec_.pack_options(image.source_date_epoch),
                        spec_.force_compression(), spec_.annotations.manifest);
  }

  OutputSpec spec_;
};

// An archive written to a file, or to the stream standard output is.
class ArchiveOutput : public SpecifiedOutput {
 public:
  ArchiveOutput(OutputSpec spec, exporter::OutputTarget target)
      : SpecifiedOutput(std::move(spec)), target_(std::move(target)) {}

 protected:
  exporter::OutputTarget target_;
};

class OciArchive : public ArchiveOutput {
 public:
  using ArchiveOutput::ArchiveOutput;
  void write(cache::Store& store, const BuiltImage& image) override {
    exporter::write_oci_archive(store.content(), named(names(image), commit(store, image).manifest), target_,
                                spec_.annotations.manifest_descriptor);
  }
};

// tar=false of type=oci or docker: the layout's files as the archive would hold them (with
// docker media types for type=docker, as buildx writes it).
class OciLayout : public SpecifiedOutput {
 public:
  using SpecifiedOutput::SpecifiedOutput;
  void write(cache::Store& store, const BuiltImage& image) override {
    cache::StagingBeside staging = store.staging_beside(spec_.dest);
    exporter::write_oci_layout(store.content(), named(names(image), commit(store, image).manifest), staging.path(),
                               spec_.annotations.manifest_descriptor);
    staging.commit();
  }
};

class DockerArchive : public ArchiveOutput {
 public:
  using ArchiveOutput::ArchiveOutput;
  void write(cache::Store& store, const BuiltImage& image) override {
    exporter::LayerDirs layer_dirs;  // packed straight into the archive, not stored first
    unstored_layer_dirs(store, image.stored.manifest, layer_dirs);
    const TempDir scratch = store.scratch_dir();
    exporter::write_docker_archive(store.content(), named(names(image), image.stored.manifest), target_,
                                   scratch.path(), layer_dirs);
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

class RootfsTar : public ArchiveOutput {
 public:
  using ArchiveOutput::ArchiveOutput;
  void write(cache::Store& store, const BuiltImage& image) override {
    exporter::write_rootfs_tar(layer_dirs_top_first(store, image.layers), target_);
  }
};

class RegistryPush : public SpecifiedOutput {
 public:
  RegistryPush(OutputSpec spec, const RegistryAccess& registry, Messages& messages)
      : SpecifiedOutput(std::move(spec)), registry_(registry), messages_(messages) {}
  void write(cache::Store& store, const BuiltImage& image) override {
    // Pushed layers are compressed as the output asks (gzip by default), unlike the store's.
    auto pushed = commit(store, image);
    for (const auto& name : names(image)) {
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

exporter::OutputTarget target_of(const OutputSpec& spec, const std::optional<exporter::OutputTarget>& standard_output) {
  if (!spec.to_stdout()) return exporter::OutputTarget(spec.dest);
  if (!standard_output)
    throw UsageError("--output type=" + spec.type + ",dest=-: there is no standard output to write to here");
  return *standard_output;
}

}  // namespace

std::unique_ptr<ImageOutput> make_image_output(const OutputSpec& spec, const RegistryAccess& registry,
                                               Messages& messages,
                                               const std::optional<exporter::OutputTarget>& standard_output) {
  if (spec.push) return std::make_unique<RegistryPush>(spec, registry, messages);
  if (spec.type == "image") return nullptr;
  if ((spec.type == "oci" || spec.type == "docker") && !spec.tar) return std::make_unique<OciLayout>(spec);
  if (spec.type == "docker" && spec.dest.empty()) return nullptr;
  if (spec.type == "local") return std::make_unique<RootfsDirectory>(spec);
  if (spec.type == "oci") return std::make_unique<OciArchive>(spec, target_of(spec, standard_output));
  if (spec.type == "docker") return std::make_unique<DockerArchive>(spec, target_of(spec, standard_output));
  if (spec.type == "tar") return std::make_unique<RootfsTar>(spec, target_of(spec, standard_output));
  throw UsageError("--output type=" + spec.type + ": unknown type");
}

}  // namespace gantry::engine
