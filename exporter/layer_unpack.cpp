#include <filesystem>

#include "base/error.h"
#include "exporter/layer.h"
#include "exporter/layer_stream.h"
#include "exporter/tar_extractor.h"

namespace gantry::exporter {

namespace fs = std::filesystem;

namespace {

void expect_empty_dir(const fs::path& dest_dir, const std::string& label) {
  std::error_code ec;
  if (!fs::is_directory(dest_dir, ec) || !fs::is_empty(dest_dir, ec))
    throw Error("unpack " + label + ": `" + dest_dir.string() + "` is not an empty directory");
}

// Extracts what `open` streams and checks it is `diff_id`.
template <typename OpenStream>
cache::UncompressedLayer unpack_checked(const OpenStream& open, const Digest& diff_id, const fs::path& dest_dir,
                                        const std::string& label) {
  try {
    LayerStream stream = open();
    {
      ArchiveReader tar = stream.open_tar();
      extract_tar(tar.get(), dest_dir, label);
    }
    const cache::UncompressedLayer layer = stream.finish();
    expect_diff_id(layer, diff_id, label);
    return layer;
  } catch (...) {
    // The caller gave an empty dir and gets an empty dir back: no half-unpacked layer, and none
    // that is not the layer its image config claims.
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dest_dir, ec)) fs::remove_all(entry.path(), ec);
    throw;
  }
}

}  // namespace

cache::UncompressedLayer unpack_layer(const fs::path& blob, const Digest& diff_id, const fs::path& dest_dir) {
  const std::string label = "layer blob `" + blob.string() + "`";
  expect_empty_dir(dest_dir, label);
  return unpack_checked([&] { return LayerStream(blob, label); }, diff_id, dest_dir, label);
}

cache::UncompressedLayer unpack_layer_stream(int fd, const std::string& label, const Digest& diff_id,
                                             const fs::path& dest_dir) {
  expect_empty_dir(dest_dir, label);
  return unpack_checked([&] { return LayerStream(fd, label); }, diff_id, dest_dir, label);
}

}  // namespace gantry::exporter
