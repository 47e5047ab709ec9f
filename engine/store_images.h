// The meeting point of the local image store with the build: base images are found by name and
// unpacked into snapshots once (StoreImageProvider), and a build's layer stack becomes an image
// in the store (commit_local_image), packing only the layers that have no blob yet. The store
// keeps a built layer as its snapshot and the digests of its tar; its blob is packed again when
// an export needs it (gantry save and type=docker pack it straight from the snapshot into the
// archive: unstored_layer_dirs),
// as docker's layer store keeps image layers unpacked.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cache/store.h"
#include "exporter/archive.h"
#include "exporter/image.h"
#include "exporter/layer.h"
#include "frontend/dockerfile/frontend.h"
#include "registry/layer_unpacker.h"
#include "solver/solver.h"

namespace gantry::engine {

class StoreImageProvider : public solver::ImageProvider {
 public:
  explicit StoreImageProvider(cache::Store& store) : store_(store) {}
  // "docker-image://name@sha256:..." -> snapshot ids, bottom first.
  std::vector<std::string> layers(const std::string& identifier) override;
  std::vector<Digest> diff_ids(const std::string& identifier) override;

 private:
  cache::Store& store_;
};

// Unpacks the layers a pull downloads into snapshots as they arrive, so FROM finds them ready
// (none for a layer the store has unpacked already).
class SnapshotUnpacker : public registry::LayerUnpacker {
 public:
  explicit SnapshotUnpacker(cache::Store& store) : store_(store) {}
  std::unique_ptr<registry::LayerUnpack> begin(const Digest& diff_id) override;

 private:
  cache::Store& store_;
};

// The snapshot holding the layer `blob` (a blob of the content store), unpacked now unless a
// layer with its diff_id was unpacked before or a build made a snapshot that packs to it.
std::string unpacked_snapshot(cache::Store& store, const exporter::LayerBlob& blob);

// The content size of each of the image's layers (exporter/content_size.h), bottom first, as
// docker shows them: the same however the image came in (built, imported, loaded, pulled). A
// layer not measured before is measured now, from its snapshot or its blob, and recorded; one
// the store holds neither of counts 0.
std::vector<std::int64_t> layer_content_sizes(cache::Store& store, const exporter::ImageView& image);

// Looks `ref` up in the local image store (an index resolved to the manifest for `platform`, as
// exporter::read_image picks it); throws Error naming it when it is not there.
frontend::ImageInfo resolve_local_image(cache::Store& store, const std::string& ref, const Platform& platform);

// The blob of one snapshot: reused when one was made in that compression before (or, unless
// `force_compression`, when the snapshot is a base image layer with a blob of its own), else
// packed now.
exporter::LayerBlob layer_blob(cache::Store& store, const std::string& snapshot,
                               const exporter::PackOptions& pack, bool force_compression = false);

// Records that `blob` is `snapshot` packed with `pack` (unclamped), for layer_blob to reuse:
// for a blob packed away from the database, e.g. on another thread while a build runs.
void remember_layer_blob(cache::Store& store, const std::string& snapshot, const exporter::PackOptions& pack,
                         const exporter::LayerBlob& blob);

// Whether the local store, keeping layers packed this way, records a built layer by its digests
// only: uncompressed and unclamped, its bytes are its snapshot packed again, which an export does
// when it needs them (and the GC keeps that snapshot while an image uses it).
bool keeps_layers_unpacked(const exporter::PackOptions& pack);

// Packs (or reuses the blobs of) every layer of `layers` and writes the image. A layer that
// already has a blob in another compression (a base image's own layers) keeps it unless
// `force_compression`. `annotations` are the manifest's.
exporter::ImageRecord commit_image(cache::Store& store, const std::vector<std::string>& layers,
                                   nlohmann::json config, std::int64_t created,
                                   const exporter::PackOptions& pack,
                                   bool force_compression = false,
                                   const std::map<std::string, std::string>& annotations = {});

// The image a build leaves in the local store: as commit_image, but with
// keeps_layers_unpacked(pack), layers without a blob are hashed and not stored.
exporter::ImageRecord commit_local_image(cache::Store& store, const std::vector<std::string>& layers,
                                         nlohmann::json config, std::int64_t created,
                                         const exporter::PackOptions& pack,
                                         const std::map<std::string, std::string>& annotations = {});

// Adds to `dirs` the snapshot directory of every layer of the image (or index) `manifest` that the
// store kept only as a snapshot, for an archive to pack straight from it. Throws Error naming
// the image and layer when a layer is neither a blob nor a snapshot there.
void unstored_layer_dirs(cache::Store& store, const Digest& manifest, exporter::LayerDirs& dirs);

// After a command failed: removes the blobs the store made since it had made `count` that no
// image uses (garbage_collector.h remove_written_blobs). Never throws: it runs while the
// failure unwinds, and what it cannot remove the automatic GC gets later.
void take_back_blobs_written_since(cache::Store& store, std::size_t count) noexcept;

// The manifest of the same image with its uncompressed layers (those gantry built: the store
// keeps them plain) compressed as `pack` says, as docker push sends them; `manifest` itself when
// no layer is plain. The image's config, and so its id, stays.
Digest with_compressed_layers(cache::Store& store, const Digest& manifest, const exporter::PackOptions& pack);

}  // namespace gantry::engine
