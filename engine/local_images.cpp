#include "engine/local_images.h"

#include <utility>

#include "base/error.h"
#include "base/file_util.h"
#include "base/image_ref.h"
#include "base/scope_guard.h"
#include "engine/store_images.h"
#include "exporter/archive.h"
#include "exporter/import.h"
#include "exporter/load.h"

namespace gantry::engine {

namespace fs = std::filesystem;

namespace {

// Named images, then untagged ones.
std::vector<cache::ImageEntry> every_image(cache::Store& store) {
  auto images = store.images().list();
  auto untagged = store.images().untagged();
  images.insert(images.end(), untagged.begin(), untagged.end());
  return images;
}

// The familiar form of `ref` when it parses as a reference, else "" (an id prefix need not).
std::string familiar_or_empty(const std::string& ref) {
  try {
    return ImageRef::parse(ref).familiar();
  } catch (const UsageError&) {
    return "";
  }
}

}  // namespace

Digest find_image(cache::Store& store, const std::string& ref) {
  for (const auto& e : every_image(store)) {
    if (e.manifest.hex().starts_with(ref) || e.manifest.str() == ref) return e.manifest;
    auto view = exporter::read_image(store.content(), e.manifest);
    std::string id = ref.starts_with("sha256:") ? ref.substr(7) : ref;
    if (id.size() >= 4 && view.config.hex().starts_with(id)) return e.manifest;
  }
  if (auto d = store.images().find(ImageRef::parse(ref).familiar())) return *d;
  throw Error("image `" + ref + "`: no such image");
}

std::optional<Digest> image_with_config(cache::Store& store, const Digest& config) {
  for (const auto& e : every_image(store))
    if (store.content().has(e.manifest) && exporter::read_image(store.content(), e.manifest).config == config)
      return e.manifest;
  return std::nullopt;
}

std::vector<ListedImage> list_images(cache::Store& store, const ImageFilter& filter) {
  std::vector<ListedImage> out;
  for (const auto& e : every_image(store)) {
    auto view = exporter::read_image(store.content(), e.manifest);
    if (filter.matches(e.name, view.config_json)) out.push_back({e.name, e.manifest, std::move(view)});
  }
  return out;
}

std::int64_t image_size(cache::Store& store, const exporter::ImageView& image) {
  std::int64_t size = 0;
  for (std::int64_t layer : uncompressed_layer_sizes(store, image)) size += layer;
  return size;
}

void tag_image(cache::Store& store, const std::string& source, const std::string& target) {
  store.images().set(ImageRef::parse(target).familiar(), find_image(store, source));
}

RemovedImage remove_image(cache::Store& store, const std::string& ref, bool force) {
  RemovedImage removed;
  if (const std::string familiar = familiar_or_empty(ref); !familiar.empty() && store.images().remove(familiar)) {
    removed.untagged.push_back(familiar);
    return removed;
  }
  const Digest manifest = find_image(store, ref);
  std::vector<std::string> tags;
  for (const auto& e : store.images().list())
    if (e.manifest == manifest) tags.push_back(e.name);
  if (tags.size() > 1 && !force)
    throw Error("image `" + ref + "` is referenced by " + std::to_string(tags.size()) +
                " names: remove them by name or use -f");
  for (const auto& t : tags) {
    store.images().remove(t);
    removed.untagged.push_back(t);
  }
  if (store.images().forget_untagged(manifest)) removed.deleted = manifest;
  return removed;
}

exporter::ImageRecord import_image(cache::Store& store, const fs::path& tarball,
                                   const std::optional<std::string>& name, std::int64_t created) {
  if (!fs::exists(tarball)) throw Error("import `" + tarball.string() + "`: no such file");
  // In this process's scratch space: a killed import leaves it for the next command to remove.
  const TempDir rootfs = store.scratch_dir();
  auto record = exporter::import_rootfs(tarball, rootfs.path(), store.content(), created);
  if (name) store.images().set(ImageRef::parse(*name).familiar(), record.manifest);
  return record;
}

std::vector<LoadedImage> load_images(cache::Store& store, const fs::path& archive) {
  if (!fs::exists(archive)) throw Error("load `" + archive.string() + "`: no such file");
  std::vector<LoadedImage> loaded;
  for (const auto& [name, manifest] : exporter::load_archive(archive, store.content(), store.uncompressed_layers())) {
    // docker knows an image by its config: one already here keeps its manifest, and the load
    // adds no second, untagged copy of it.
    const Digest config = exporter::read_image(store.content(), manifest).config;
    const Digest kept = image_with_config(store, config).value_or(manifest);
    if (!name.empty()) store.images().set(ImageRef::parse(name).familiar(), kept);
    else store.images().keep_untagged(kept);
    loaded.push_back({name, manifest});
  }
  return loaded;
}

void save_images(cache::Store& store, const std::vector<std::string>& refs, const fs::path& archive,
                 ArchiveFormat format) {
  ScopeGuard take_back_blobs([&store, before = store.content().blobs_created()]() noexcept {
    take_back_blobs_written_since(store, before);
  });
  exporter::TaggedManifests named;
  for (const auto& ref : refs) {
    const Digest d = find_image(store, ref);
    const std::string familiar = familiar_or_empty(ref);
    named.emplace_back(store.images().find(familiar) == d ? familiar : "", d);
    store_layer_blobs(store, d);
  }
  const TempDir scratch = store.scratch_dir();
  if (format == ArchiveFormat::Oci) exporter::write_oci_archive(store.content(), named, archive);
  else exporter::write_docker_archive(store.content(), named, archive, scratch.path());
  take_back_blobs.dismiss();
}

}  // namespace gantry::engine
