#include <sys/stat.h>

#include <algorithm>
#include <string>
#include <vector>

#include "base/error.h"
#include "exporter/byte_sink.h"
#include "exporter/compressor.h"
#include "exporter/layer.h"
#include "exporter/media_types.h"
#include "exporter/overlay_form.h"
#include "exporter/tar_writer.h"
#include "exporter/tree_walk.h"

namespace gantry::exporter {

namespace fs = std::filesystem;

namespace {

struct Child {
  std::string tar_name;  // the name in the tar: ".wh.<name>" for a whiteout
  fs::path path;
  struct stat st;
};

// Writes the children of `dir` under `prefix` ("" or "a/b/"), depth first, sorted by tar name.
void pack_children(TarWriter& tar, const fs::path& dir, const std::string& prefix,
                   std::optional<std::int64_t> clamp) {
  std::vector<Child> children;
  for (std::string& name : sorted_names(dir)) {
    Child child{.path = dir / name, .st = lstat_path(dir / name)};
    child.tar_name = is_whiteout(child.st) ? std::string(kWhiteoutPrefix) + name : std::move(name);
    children.push_back(std::move(child));
  }
  std::sort(children.begin(), children.end(),
            [](const Child& a, const Child& b) { return a.tar_name < b.tar_name; });
  for (const Child& child : children) {
    const std::string name = prefix + child.tar_name;
    if (is_whiteout(child.st)) {
      tar.add_marker(name, child.st, clamp);
    } else if (S_ISDIR(child.st.st_mode)) {
      tar.add_from_disk(name + "/", child.path, child.st, clamp);
      // The marker first, so that no extractor can apply it after this layer's own children.
      if (is_opaque_dir(child.path)) tar.add_marker(name + "/" + std::string(kOpaqueMarker), child.st, clamp);
      pack_children(tar, child.path, name + "/", clamp);
    } else if (!S_ISSOCK(child.st.st_mode)) {  // sockets have no tar form
      tar.add_from_disk(name, child.path, child.st, clamp);
    }
  }
}

}  // namespace

LayerBlob pack_layer(const fs::path& layer_dir, const cache::ContentStore& store,
                     const PackOptions& options) {
  LayerBlob blob{.media_type = media_types::layer_type(options.compression, options.oci_media_types)};
  if (!S_ISDIR(lstat_path(layer_dir).st_mode))
    throw Error("layer `" + layer_dir.string() + "`: not a directory");

  auto ingest = store.ingest();
  IngestSink stored(ingest);
  std::unique_ptr<Compressor> compressor = make_compressor(options.compression, options.level, stored);
  HashingSink tar_bytes(*compressor);
  TarWriter tar(tar_bytes);
  pack_children(tar, layer_dir, "", options.clamp_mtime);
  tar.finish();
  compressor->finish();

  blob.diff_id = tar_bytes.finish();
  blob.size = ingest.size();
  blob.digest = ingest.commit();
  return blob;
}

}  // namespace gantry::exporter
