#include "engine/local_images.h"

#include <algorithm>
#include <set>
#include <utility>

#include "base/error.h"
#include "base/file_util.h"
#include "base/image_ref.h"
#include "base/scope_guard.h"
#include "engine/image_changes.h"
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

// `ref` as a reference, or nothing when it is not one (an id with "sha256:" need not be).
std::optional<ImageRef> reference_or_none(const std::string& ref) {
  try {
    return ImageRef::parse(ref);
  } catch (const UsageError&) {
    return std::nullopt;
  }
}

// The familiar form of `ref` when it parses as a reference, else "".
std::string familiar_or_empty(const std::string& ref) {
  const auto parsed = reference_or_none(ref);
  return parsed ? parsed->familiar() : "";
}

bool is_lower_hex(const std::string& text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// docker's short ids are 12 digits; fewer than 4 would match too much to mean one image.
constexpr std::size_t kShortestIdPrefix = 4;

}  // namespace

Digest find_image(cache::Store& store, const std::string& ref) {
  // A name first: a name that looks like hex ("cafe") is a name before it is an id prefix.
  if (const std::optional<ImageRef> name = reference_or_none(ref)) {
    if (name->digest) {
      if (store.content().has(*name->digest)) return *name->digest;
    } else if (auto d = store.images().find(name->familiar())) {
      return *d;
    }
  }
  // Then an image id (the config digest) or a manifest digest, whole or a unique prefix.
  const std::string hex = ref.starts_with("sha256:") ? ref.substr(7) : ref;
  std::optional<Digest> found;
  std::set<Digest> ids;  // one image may be in the store under several manifests
  if (hex.size() >= kShortestIdPrefix && is_lower_hex(hex))
    for (const auto& e : every_image(store)) {
      const Digest id = exporter::read_image(store.content(), e.manifest).config;
      if (!id.hex().starts_with(hex) && !e.manifest.hex().starts_with(hex)) continue;
      if (!found) found = e.manifest;
      ids.insert(id);
    }
  if (ids.size() > 1)
    throw Error("image `" + ref + "`: the prefix matches " + std::to_string(ids.size()) +
                " images: give more of the id");
  if (found) return *found;
  throw NoSuchImage("image `" + ref + "`: no such image");
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
    if (filter.matches(e.name, view.config_json))
      out.push_back({e.name, e.manifest, std::move(view), store.images().repo_digests(e.manifest)});
  }
  return out;
}

std::int64_t image_size(cache::Store& store, const exporter::ImageView& image) {
  std::int64_t size = 0;
  for (std::int64_t layer : layer_content_sizes(store, image)) size += layer;
  return size;
}

void tag_image(cache::Store& store, const std::string& source, const std::string& target) {
  store.images().set(ImageRef::parse(target).familiar(), find_image(store, source));
}

RemovedImage remove_image(cache::Store& store, const std::string& ref, bool force) {
  RemovedImage removed;
  if (const std::string familiar = familiar_or_empty(ref); !familiar.empty()) {
    removed.untagged = store.images().remove(familiar);
    if (!removed.untagged.empty()) return removed;
  }
  const Digest manifest = find_image(store, ref);
  std::vector<std::string> tags;
  for (const auto& e : store.images().names_of(manifest)) tags.push_back(e.name);
  if (tags.size() > 1 && !force)
    throw ImageInUse("image `" + ref + "` is referenced by " + std::to_string(tags.size()) +
                     " names: remove them by name or use -f");
  for (const auto& t : tags)
    for (auto& name : store.images().remove(t)) removed.untagged.push_back(std::move(name));
  if (store.images().forget_untagged(manifest)) removed.deleted = manifest;
  return removed;
}

exporter::ImageRecord import_image(cache::Store& store, const ImportRequest& request) {
  nlohmann::json config = nlohmann::json::object();
  apply_image_changes(config, request.changes);
  const std::optional<std::string> familiar =
      request.name ? std::optional(ImageRef::parse(*request.name).familiar()) : std::nullopt;
  if (!fs::exists(request.tarball)) throw Error("import `" + request.tarball.string() + "`: no such file");
  // In this process's scratch space: a killed import leaves it for the next command to remove.
  const TempDir rootfs = store.scratch_dir();
  auto record = exporter::import_rootfs(request.tarball, rootfs.path(), store.content(), request.created, config,
                                        request.message.empty() ? exporter::kImportComment : request.message,
                                        request.platform);
  if (familiar) store.images().set(*familiar, record.manifest);
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

void save_images(cache::Store& store, const std::vector<std::string>& refs, const exporter::OutputTarget& archive,
                 ArchiveFormat format) {
  ScopeGuard take_back_blobs([&store, before = store.content().blobs_created()]() noexcept {
    take_back_blobs_written_since(store, before);
  });
  exporter::TaggedManifests named;
  for (const auto& ref : refs) {
    const Digest d = find_image(store, ref);
    const std::string familiar = familiar_or_empty(ref);
    named.emplace_back(store.images().find(familiar) == d ? familiar : "", d);
  }
  // The layers the store keeps as snapshots only are packed straight into the archive: their
  // digest and size are known without packing, and no copy of them is stored.
  exporter::LayerDirs layer_dirs;
  for (const auto& [name, manifest] : named) unstored_layer_dirs(store, manifest, layer_dirs);
  const TempDir scratch = store.scratch_dir();
  if (format == ArchiveFormat::Oci) exporter::write_oci_archive(store.content(), named, archive, {}, layer_dirs);
  else exporter::write_docker_archive(store.content(), named, archive, scratch.path(), layer_dirs);
  take_back_blobs.dismiss();
}

}  // namespace gantry::engine
