// The verbs on the local image store that docker's image commands name: finding an image by
// the reference a user gives, listing, tagging, removing, importing, loading and saving. Each
// returns what it did; the front end says it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "base/digest.h"
#include "base/error.h"
#include "base/platform.h"
#include "cache/store.h"
#include "engine/image_filter.h"
#include "exporter/image.h"
#include "exporter/output_file.h"

namespace gantry::engine {

// Nothing in the store matches the reference a user gave: "image `ref`: no such image".
class NoSuchImage : public Error {
 public:
  using Error::Error;
};

// An image with several names that remove_image was asked to remove by id without `force`.
class ImageInUse : public Error {
 public:
  using Error::Error;
};

// The manifest a user's reference names: a name (NAME[:TAG], or NAME@DIGEST of a manifest the
// store has), else an image id or manifest digest of a named or untagged image, whole or a
// unique prefix of four or more hex digits. Throws NoSuchImage naming it when none matches,
// Error when a prefix matches several images.
Digest find_image(cache::Store& store, const std::string& ref);

// The image of the store (named or untagged) whose config, and so whose id, is `config`.
std::optional<Digest> image_with_config(cache::Store& store, const Digest& config);

struct ListedImage {
  std::string name;  // familiar name; empty for an untagged image
  Digest manifest;   // what the name points to: a manifest or an index
  exporter::ImageView view;  // the host platform's manifest and config
  std::vector<cache::RepoDigest> repo_digests;  // what registries know the image by
};
// Named images by name, then untagged ones (docker's <none>:<none>), those `filter` matches.
std::vector<ListedImage> list_images(cache::Store& store, const ImageFilter& filter);

// The content size of the image's layers (exporter/content_size.h), as docker's SIZE column counts them.
std::int64_t image_size(cache::Store& store, const exporter::ImageView& image);

// Names `target` (any reference) for the image `source` names.
void tag_image(cache::Store& store, const std::string& source, const std::string& target);

struct RemovedImage {
  std::vector<std::string> untagged;  // the names removed, and the repo@digest names that went with them
  std::optional<Digest> deleted;      // the manifest, when no name or untagged entry is left
};
// Removes a name, or an image by id with its names; an image with several names needs `force`.
// Throws NoSuchImage naming `ref` when nothing matches, ImageInUse when `force` is needed.
RemovedImage remove_image(cache::Store& store, const std::string& ref, bool force);

struct ImportRequest {
  std::filesystem::path tarball;           // a root filesystem, plain or compressed
  std::optional<std::string> name;         // named so when given
  std::int64_t created = 0;                // unix seconds
  std::vector<std::string> changes;        // docker's --change instructions (image_changes.h)
  std::string message;                     // the history comment; empty for gantry's own
  std::optional<Platform> platform;        // what the image says it runs on; the host when none
};
// An image from a root filesystem tarball. Throws UsageError naming a bad change or name before
// anything is written, Error naming the tarball when it cannot be read.
exporter::ImageRecord import_image(cache::Store& store, const ImportRequest& request);

struct LoadedImage {
  std::string name;  // as the archive names it; empty for an unnamed image
  Digest manifest;   // as the archive has it
};
// Every image of a docker-archive or oci-archive. An image the store has already (the same
// config, so the same id) keeps its manifest, and an unnamed one is kept untagged.
std::vector<LoadedImage> load_images(cache::Store& store, const std::filesystem::path& archive);

enum class ArchiveFormat { Docker, Oci };
// Writes the images `refs` name to `archive` (a file, or a stream the caller holds), each under the
// name given when it is a tag. A save that fails (a full disk) takes back the layer blobs it packed.
void save_images(cache::Store& store, const std::vector<std::string>& refs, const exporter::OutputTarget& archive,
                 ArchiveFormat format);

}  // namespace gantry::engine
