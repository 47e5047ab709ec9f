#include <filesystem>

#include "base/error.h"
#include "exporter/layer.h"
#include "exporter/libarchive_handle.h"
#include "exporter/tar_extractor.h"

namespace gantry::exporter {

namespace fs = std::filesystem;

void unpack_layer(const fs::path& blob, const fs::path& dest_dir) {
  const std::string label = "layer blob `" + blob.string() + "`";
  std::error_code ec;
  if (!fs::is_directory(dest_dir, ec) || !fs::is_empty(dest_dir, ec))
    throw Error("unpack " + label + ": `" + dest_dir.string() + "` is not an empty directory");
  try {
    ArchiveReader reader = open_tar_reader(blob, label);
    extract_tar(reader.get(), dest_dir, label);
  } catch (...) {
    // The caller gave an empty dir and gets an empty dir back: no half-unpacked layer.
    for (const auto& entry : fs::directory_iterator(dest_dir, ec)) fs::remove_all(entry.path(), ec);
    throw;
  }
}

}  // namespace gantry::exporter
