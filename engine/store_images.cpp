#include "engine/store_images.h"

#include "base/error.h"
#include "base/image_ref.h"
#include "cache/garbage_collector.h"
#include "exporter/content_size.h"
#include "exporter/media_types.h"

namespace gantry::engine {

using nlohmann::json;

namespace {

constexpr std::string_view kImagePrefix = "docker-image://";

std::string compression_name(exporter::Compression c) {
  switch (c) {
    case exporter::Compression::Gzip: return "gzip";
    case exporter::Compression::Zstd: return "zstd";
    case exporter::Compression::Uncompressed: return "uncompressed";
  }
  return "gzip";
}

std::string compression_of_media_type(const std::string& media_type) {
  if (media_type.ends_with("zstd")) return "zstd";
  if (media_type.ends_with("gzip")) return "gzip";
  return "uncompressed";
}

void record_blob(cache::Store& store, const std::string& snapshot, const std::string& compression,
                 const exporter::LayerBlob& blob) {
  store.db()
      .prepare("INSERT OR REPLACE INTO layer_blobs(snapshot, compression, diff_id, digest, size, "
               "media_type) VALUES(?, ?, ?, ?, ?, ?)")
      .bind(1, snapshot).bind(2, compression).bind(3, blob.diff_id.str())
      .bind(4, blob.digest.str()).bind(5, blob.size).bind(6, blob.media_type)
      .run();
}

// A blob already made for this snapshot in the wanted compression; unless `exact`, a base
// image's own layers also keep their original blobs. An uncompressed blob that was only hashed
// counts unless `stored`: its bytes are the snapshot packed again.
std::optional<exporter::LayerBlob> known_blob(cache::Store& store, const std::string& snapshot,
                                              const std::string& compression, bool exact, bool stored) {
  // Only a base image's own blobs are kept in another compression; layers gantry built are
  // compressed as asked.
  auto st = store.db().prepare(
      "SELECT diff_id, digest, size, media_type FROM layer_blobs WHERE snapshot = ? "
      "AND (compression = ? OR (? = 0 AND snapshot IN (SELECT snapshot FROM unpacked_layers))) "
      "ORDER BY compression = ? DESC");
  st.bind(1, snapshot).bind(2, compression).bind(3, std::int64_t{exact}).bind(4, compression);
  while (st.step()) {
    exporter::LayerBlob b{Digest::parse(st.text(0)), Digest::parse(st.text(1)), st.integer(2),
                          st.text(3)};
    if (store.content().has(b.digest) || (!stored && b.digest == b.diff_id)) return b;
  }
  return std::nullopt;
}

// The snapshot that holds the layer `diff_id` unpacked: one a base image was unpacked into, or
// one a build made that packs to that tar.
std::optional<std::string> layer_snapshot(cache::Store& store, const Digest& diff_id) {
  for (const char* sql : {"SELECT snapshot FROM unpacked_layers WHERE diff_id = ?",
                          "SELECT snapshot FROM layer_blobs WHERE diff_id = ?"}) {
    auto st = store.db().prepare(sql);
    st.bind(1, diff_id.str());
    while (st.step())
      if (store.snapshots().exists(st.text(0))) return st.text(0);
  }
  return std::nullopt;
}

// The snapshot an uncompressed blob of the store was packed or hashed from.
std::optional<std::string> snapshot_packing_to(cache::Store& store, const Digest& digest) {
  auto st = store.db().prepare(
      "SELECT snapshot FROM layer_blobs WHERE digest = ? AND compression = 'uncompressed'");
  st.bind(1, digest.str());
  while (st.step())
    if (store.snapshots().exists(st.text(0))) return st.text(0);
  return std::nullopt;
}

// Packs the layer `plain` of `image` (an uncompressed blob the store only hashed) from its
// `snapshot` as `pack` says, into the content store.
exporter::LayerBlob pack_hashed_layer(cache::Store& store, const Digest& image, const Digest& plain,
                                      const std::optional<std::string>& snapshot,
                                      const exporter::PackOptions& pack) {
  if (!snapshot) throw Error("image " + image.str() + ": layer " + plain.str() + " is not in the store");
  return exporter::pack_layer(store.snapshots().dir(*snapshot), store.content(), pack, plain);
}

// Records `id`, a new snapshot holding `blob` (which holds `unpacked`) unpacked.
void record_unpacked_layer(cache::Store& store, const std::string& id, const exporter::LayerBlob& blob,
                           const cache::UncompressedLayer& unpacked) {
  if (blob.digest != blob.diff_id) store.uncompressed_layers().record(blob.digest, unpacked);
  store.db()
      .prepare("INSERT INTO unpacked_layers(diff_id, snapshot) VALUES(?, ?) "
               "ON CONFLICT(diff_id) DO UPDATE SET snapshot = excluded.snapshot")
      .bind(1, blob.diff_id.str()).bind(2, id).run();
  store.db()
      .prepare("INSERT OR IGNORE INTO snapshots(id, size, created, last_used) "
               "VALUES(?, ?, strftime('%s','now'), strftime('%s','now'))")
      .bind(1, id).bind(2, cache::directory_size(store.snapshots().dir(id))).run();
  record_blob(store, id, compression_of_media_type(blob.media_type), blob);
}

// Unpacks `blob` (a layer blob of the content store) into a snapshot of its own.
std::string unpack_into_new_snapshot(cache::Store& store, const exporter::LayerBlob& blob) {
  auto staging = store.snapshots().prepare();
  const cache::UncompressedLayer unpacked =
      exporter::unpack_layer(store.content().path(blob.digest), blob.diff_id, staging.fs());
  std::string id = staging.commit();
  record_unpacked_layer(store, id, blob, unpacked);
  return id;
}

// A layer a pull unpacks into a staging snapshot as it downloads, kept once its blob is proven.
class SnapshotUnpack : public registry::LayerUnpack {
 public:
  SnapshotUnpack(cache::Store& store, Digest diff_id)
      : store_(store), diff_id_(std::move(diff_id)), staging_(store.snapshots().prepare()) {}

  cache::UncompressedLayer unpack(int fd, const std::string& label) override {
    unpacked_ = exporter::unpack_layer_stream(fd, label, diff_id_, staging_.fs());
    return *unpacked_;
  }

  void commit(const exporter::LayerBlob& blob) override {
    if (!unpacked_) throw Error("layer " + blob.digest.str() + ": committed before it was unpacked");
    record_unpacked_layer(store_, staging_.commit(), blob, *unpacked_);
  }

 private:
  cache::Store& store_;
  Digest diff_id_;
  cache::SnapshotStore::Staging staging_;  // removed unless committed
  std::optional<cache::UncompressedLayer> unpacked_;
};

// The image a "docker-image://name@sha256:..." source pins.
exporter::ImageView pinned_image(cache::Store& store, const std::string& identifier) {
  if (!identifier.starts_with(kImagePrefix)) throw Error("not an image source: " + identifier);
  auto at = identifier.rfind('@');
  if (at == std::string::npos) throw Error("image source is not pinned: " + identifier);
  return exporter::read_image(store.content(), Digest::parse(identifier.substr(at + 1)));
}

}  // namespace

std::vector<Digest> StoreImageProvider::diff_ids(const std::string& identifier) {
  std::vector<Digest> out;
  const auto view = pinned_image(store_, identifier);
  for (const auto& d : view.config_json.at("rootfs").at("diff_ids")) out.push_back(Digest::parse(d.get<std::string>()));
  return out;
}

std::vector<std::string> StoreImageProvider::layers(const std::string& identifier) {
  const auto view = pinned_image(store_, identifier);
  const auto& descriptors = view.manifest_json.at("layers");
  const auto& diff_ids = view.config_json.at("rootfs").at("diff_ids");
  if (descriptors.size() != diff_ids.size())
    throw Error("image " + identifier.substr(kImagePrefix.size()) + ": " +
                std::to_string(descriptors.size()) + " layers but " +
                std::to_string(diff_ids.size()) + " diff_ids");
  std::vector<std::string> ids;
  for (std::size_t i = 0; i < descriptors.size(); ++i) {
    const exporter::LayerBlob blob{Digest::parse(diff_ids[i].get<std::string>()),
                                   Digest::parse(descriptors[i].at("digest").get<std::string>()),
                                   descriptors[i].at("size").get<std::int64_t>(),
                                   descriptors[i].at("mediaType").get<std::string>()};
    std::optional<std::string> id = layer_snapshot(store_, blob.diff_id);
    if (!id && !store_.content().has(blob.digest))
      throw Error("image " + identifier.substr(kImagePrefix.size()) + ": layer blob " + blob.digest.str() +
                  " is missing from the store");
    ids.push_back(id ? *id : unpack_into_new_snapshot(store_, blob));
  }
  return ids;
}

std::unique_ptr<registry::LayerUnpack> SnapshotUnpacker::begin(const Digest& diff_id) {
  if (layer_snapshot(store_, diff_id)) return nullptr;
  return std::make_unique<SnapshotUnpack>(store_, diff_id);
}

std::string unpacked_snapshot(cache::Store& store, const exporter::LayerBlob& blob) {
  if (auto id = layer_snapshot(store, blob.diff_id)) return *id;
  return unpack_into_new_snapshot(store, blob);
}

std::vector<std::int64_t> layer_content_sizes(cache::Store& store, const exporter::ImageView& image) {
  std::vector<std::int64_t> sizes;
  const json diff_ids = image.config_json.value("rootfs", json::object()).value("diff_ids", json::array());
  const json layers = image.manifest_json.value("layers", json::array());
  for (std::size_t i = 0; i < layers.size(); ++i) {
    if (i >= diff_ids.size() || !diff_ids[i].is_string()) {
      sizes.push_back(0);
      continue;
    }
    const Digest diff_id = Digest::parse(diff_ids[i].get<std::string>());
    if (auto known = store.layer_content_sizes().find(diff_id)) {
      sizes.push_back(*known);
      continue;
    }
    // Measured once, from the unpacked layer when there is one, else from its blob's entries.
    std::optional<std::int64_t> measured;
    if (auto snapshot = layer_snapshot(store, diff_id)) {
      measured = exporter::directory_content_size(store.snapshots().dir(*snapshot));
    } else if (const Digest blob = Digest::parse(layers[i].value("digest", "")); store.content().has(blob)) {
      measured = exporter::tar_content_size(store.content().path(blob), "layer " + blob.str());
    }
    if (measured) store.layer_content_sizes().record(diff_id, *measured);
    sizes.push_back(measured.value_or(0));
  }
  return sizes;
}

frontend::ImageInfo resolve_local_image(cache::Store& store, const std::string& ref, const Platform& platform) {
  ImageRef parsed = ImageRef::parse(ref);
  std::optional<Digest> manifest = parsed.digest;
  if (!manifest) manifest = store.images().find(parsed.familiar());
  if (!manifest || !store.content().has(*manifest))
    throw Error("image `" + ref + "` not found in the local store (gantry load, gantry import "
                "or gantry pull it first)");
  auto view = exporter::read_image(store.content(), *manifest, platform);
  ImageRef name = parsed;
  name.digest.reset();
  return {name.familiar(), view.manifest, view.config_json};
}

exporter::LayerBlob layer_blob(cache::Store& store, const std::string& snapshot,
                               const exporter::PackOptions& pack, bool force_compression) {
  const std::string compression = compression_name(pack.compression);
  // With SOURCE_DATE_EPOCH the bytes differ from an unclamped packing: never reuse those.
  if (!pack.clamp_mtime)
    if (auto b = known_blob(store, snapshot, compression, force_compression, true)) return *b;
  auto blob = exporter::pack_layer(store.snapshots().dir(snapshot), store.content(), pack);
  if (!pack.clamp_mtime) record_blob(store, snapshot, compression, blob);
  return blob;
}

bool keeps_layers_unpacked(const exporter::PackOptions& pack) {
  return pack.compression == exporter::Compression::Uncompressed && !pack.clamp_mtime;
}

void remember_layer_blob(cache::Store& store, const std::string& snapshot, const exporter::PackOptions& pack,
                         const exporter::LayerBlob& blob) {
  record_blob(store, snapshot, compression_name(pack.compression), blob);
}

exporter::ImageRecord commit_image(cache::Store& store, const std::vector<std::string>& layers,
                                   json config, std::int64_t created,
                                   const exporter::PackOptions& pack, bool force_compression,
                                   const std::map<std::string, std::string>& annotations) {
  std::vector<exporter::LayerBlob> blobs;
  for (const auto& id : layers) blobs.push_back(layer_blob(store, id, pack, force_compression));
  return exporter::write_image(store.content(), std::move(config), blobs, created,
                               pack.oci_media_types, annotations);
}

exporter::ImageRecord commit_local_image(cache::Store& store, const std::vector<std::string>& layers,
                                         json config, std::int64_t created,
                                         const exporter::PackOptions& pack,
                                         const std::map<std::string, std::string>& annotations) {
  if (!keeps_layers_unpacked(pack))
    return commit_image(store, layers, std::move(config), created, pack, false, annotations);
  std::vector<exporter::LayerBlob> blobs;
  for (const auto& id : layers) {
    auto blob = known_blob(store, id, "uncompressed", false, false);
    if (!blob) {
      blob = exporter::hash_layer(store.snapshots().dir(id), pack);
      record_blob(store, id, "uncompressed", *blob);
    }
    blobs.push_back(*blob);
  }
  return exporter::write_image(store.content(), std::move(config), blobs, created, pack.oci_media_types,
                               annotations);
}

void unstored_layer_dirs(cache::Store& store, const Digest& manifest, exporter::LayerDirs& dirs) {
  std::vector<Digest> pending{manifest};
  while (!pending.empty()) {
    const Digest d = pending.back();
    pending.pop_back();
    if (!store.content().has(d)) continue;  // an index child of another platform, never pulled
    const json parsed = json::parse(store.content().read(d));
    for (const auto& child : parsed.value("manifests", json::array()))
      pending.push_back(Digest::parse(child.at("digest").get<std::string>()));
    for (const auto& layer : parsed.value("layers", json::array())) {
      const Digest digest = Digest::parse(layer.at("digest").get<std::string>());
      if (store.content().has(digest) || dirs.contains(digest)) continue;
      const std::optional<std::string> snapshot = snapshot_packing_to(store, digest);
      if (!snapshot) throw Error("image " + manifest.str() + ": layer " + digest.str() + " is not in the store");
      dirs.emplace(digest, store.snapshots().dir(*snapshot));
    }
  }
}

void take_back_blobs_written_since(cache::Store& store, std::size_t count) noexcept {
  try {
    cache::remove_written_blobs(store, store.content().blobs_created_since(count));
  } catch (const std::exception&) {
    // The command's own failure is the one to report.
  }
}

Digest with_compressed_layers(cache::Store& store, const Digest& manifest, const exporter::PackOptions& pack) {
  namespace mt = exporter::media_types;
  json parsed = json::parse(store.content().read(manifest));
  if (!parsed.contains("layers")) return manifest;  // an index: its manifests are pushed as they are
  exporter::PackOptions options = pack;
  options.oci_media_types = parsed.value("mediaType", std::string(mt::kOciManifest)) != mt::kDockerManifest;
  const std::string compression = compression_name(options.compression);
  const json config = json::parse(store.content().read(Digest::parse(parsed.at("config").at("digest").get<std::string>())));
  const json& diff_ids = config.at("rootfs").at("diff_ids");
  bool changed = false;
  for (std::size_t i = 0; i < parsed.at("layers").size() && i < diff_ids.size(); ++i) {
    json& layer = parsed["layers"][i];
    if (mt::layer_compression(layer.at("mediaType").get<std::string>()) != exporter::Compression::Uncompressed) continue;
    const exporter::LayerBlob plain{Digest::parse(diff_ids[i].get<std::string>()),
                                    Digest::parse(layer.at("digest").get<std::string>()),
                                    layer.at("size").get<std::int64_t>(), layer.at("mediaType").get<std::string>()};
    // The snapshot the blob was packed from keeps the compressed blob too, for the next push.
    const std::optional<std::string> snapshot = snapshot_packing_to(store, plain.digest);
    std::optional<exporter::LayerBlob> blob;
    if (snapshot) blob = known_blob(store, *snapshot, compression, true, true);
    if (!blob || blob->media_type != mt::layer_type(options.compression, options.oci_media_types)) {
      // A layer kept only as its snapshot is packed straight into the compressed blob.
      blob = store.content().has(plain.digest)
                 ? exporter::compress_layer(store.content(), plain, options)
                 : pack_hashed_layer(store, manifest, plain.digest, snapshot, options);
      if (snapshot) record_blob(store, *snapshot, compression, *blob);
    }
    layer["mediaType"] = blob->media_type;
    layer["digest"] = blob->digest.str();
    layer["size"] = blob->size;
    changed = true;
  }
  return changed ? store.content().put(parsed.dump()) : manifest;
}

}  // namespace gantry::engine
