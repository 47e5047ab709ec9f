// OCI image layout (image-layout.md): oci-layout, index.json and blobs/sha256/<hex>.
#include <unistd.h>

#include <map>
#include <set>
#include <vector>

#include "base/error.h"
#include "base/file_util.h"
#include "base/image_ref.h"
#include "exporter/archive.h"
#include "exporter/byte_sink.h"
#include "exporter/export_set.h"
#include "exporter/media_types.h"
#include "exporter/output_file.h"
#include "exporter/tar_writer.h"

namespace gantry::exporter {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr std::string_view kOciLayoutFile = R"({"imageLayoutVersion":"1.0.0"})";

struct Layout {
  std::string index_json;
  std::set<Digest> blobs;  // sorted, so the archive's member order is fixed
  std::map<Digest, std::int64_t> layer_sizes;  // as the manifests give them
};

Layout plan_layout(const cache::ContentStore& store, const TaggedManifests& tagged_manifests,
                   const DescriptorAnnotations& annotations, const LayerDirs& layer_dirs = {}) {
  Layout layout;
  json manifests = json::array();
  for (const ExportedImage& image : collect_export(store, tagged_manifests, layer_dirs)) {
    for (const json& layer : image.image.manifest_json["layers"])
      layout.layer_sizes.emplace(Digest::parse(layer.value("digest", "")), layer.value("size", std::int64_t{-1}));
    const Digest& manifest = image.image.manifest;
    json descriptor = {{"mediaType", image.manifest_media_type},
                       {"digest", manifest.str()},
                       {"size", store.size(manifest)}};
    if (!annotations.empty()) descriptor["annotations"] = annotations;
    // One index entry per name, so every tag can be found by its ref.name annotation.
    for (const std::string& name : image.names) {
      const ImageRef ref = ImageRef::parse(name);
      json named = descriptor;
      named["annotations"]["io.containerd.image.name"] = ref.canonical();
      named["annotations"]["org.opencontainers.image.ref.name"] = ref.tag;
      manifests.push_back(std::move(named));
    }
    if (image.names.empty()) manifests.push_back(descriptor);
    layout.blobs.insert(manifest);
    layout.blobs.insert(image.image.config);
    layout.blobs.insert(image.layers.begin(), image.layers.end());
  }
  layout.index_json = json{{"schemaVersion", 2},
                           {"mediaType", media_types::kOciIndex},
                           {"manifests", manifests}}
                          .dump();
  return layout;
}

// Blobs are immutable, so a hard link is as good as a copy when the store is on this fs.
void link_or_copy(const cache::ContentStore& store, const Digest& blob, const fs::path& dest) {
  if (::link(store.path(blob).c_str(), dest.c_str()) != 0) fs::copy_file(store.path(blob), dest);
}

}  // namespace

void write_oci_layout(const cache::ContentStore& store, const TaggedManifests& tagged_manifests,
                      const fs::path& dir, const DescriptorAnnotations& annotations) {
  const Layout layout = plan_layout(store, tagged_manifests, annotations);
  std::error_code ec;
  if (!fs::is_directory(dir, ec) || !fs::is_empty(dir, ec))
    throw Error("OCI layout `" + dir.string() + "`: is not an empty directory");
  fs::create_directories(dir / "blobs" / "sha256");
  write_file_atomic(dir / "oci-layout", kOciLayoutFile);
  write_file_atomic(dir / "index.json", layout.index_json);
  for (const Digest& blob : layout.blobs) link_or_copy(store, blob, dir / "blobs" / "sha256" / blob.hex());
}

void update_oci_layout(const cache::ContentStore& store, const Digest& manifest, const std::string& tag,
                       const fs::path& dir) {
  const fs::path blobs_dir = dir / "blobs" / "sha256";
  fs::create_directories(blobs_dir);
  const json parsed = json::parse(store.read(manifest));
  std::vector<Digest> blobs{Digest::parse(parsed.at("config").at("digest").get<std::string>())};
  for (const json& layer : parsed.at("layers")) blobs.push_back(Digest::parse(layer.at("digest").get<std::string>()));
  blobs.push_back(manifest);
  for (const Digest& blob : blobs) {
    const fs::path dest = blobs_dir / blob.hex();
    if (fs::exists(dest)) continue;  // content-addressed: already the right bytes
    const fs::path temp = blobs_dir / (".tmp-" + blob.hex());
    fs::remove(temp);
    link_or_copy(store, blob, temp);
    fs::rename(temp, dest);
  }
  write_file_atomic(dir / "oci-layout", kOciLayoutFile);
  const json index{{"schemaVersion", 2},
                   {"mediaType", media_types::kOciIndex},
                   {"manifests",
                    {{{"mediaType", media_types::kOciManifest},
                      {"digest", manifest.str()},
                      {"size", store.size(manifest)},
                      {"annotations", {{"org.opencontainers.image.ref.name", tag}}}}}}};
  write_file_atomic(dir / "index.json", index.dump());
}

void write_oci_archive(const cache::ContentStore& store, const TaggedManifests& tagged_manifests,
                       const OutputTarget& dest_tar, const DescriptorAnnotations& annotations,
                       const LayerDirs& layer_dirs) {
  const Layout layout = plan_layout(store, tagged_manifests, annotations, layer_dirs);
  OutputFile out(dest_tar);
  FdSink sink(out.fd(), out.dest());
  TarWriter tar(sink);
  // Member times are the epoch: an archive's bytes depend on the images only.
  tar.add_bytes("oci-layout", kOciLayoutFile, 0);
  tar.add_bytes("index.json", layout.index_json, 0);
  tar.add_directory("blobs/", 0);
  tar.add_directory("blobs/sha256/", 0);
  for (const Digest& blob : layout.blobs) {
    const std::string name = "blobs/sha256/" + blob.hex();
    // an uncompressed layer's digest is its diff_id
    if (const auto dir = layer_dirs.find(blob); dir != layer_dirs.end() && !store.has(blob))
      add_layer_from_dir(tar, name, dir->second, blob, layout.layer_sizes.at(blob));
    else
      tar.add_file(name, store.path(blob), 0);
  }
  tar.finish();
  out.commit();
}

}  // namespace gantry::exporter
