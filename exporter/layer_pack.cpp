#include <fcntl.h>
#include <sys/stat.h>

#include <tbb/parallel_pipeline.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/unique_fd.h"
#include "cache/directory_entries.h"
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

// Files up to this size are read on the walk's reader threads; bigger ones are streamed by the
// tar writer. With kBatchesInFlight x kBatch entries at most, the read-ahead holds a few MB.
constexpr std::int64_t kReadAhead = 64 << 10;
constexpr std::size_t kBatch = 16;
constexpr std::size_t kBatchesInFlight = 6;

// One entry of the tar, in walk order: an object on disk, or a marker (whiteout, opaque).
struct Entry {
  std::string tar_name;
  struct stat st {};
  bool marker = false;
  std::shared_ptr<const UniqueFd> dir;     // the directory the object is in
  std::shared_ptr<const fs::path> dir_path;  // where that is, for errors
  std::string name;                        // its name there
  std::shared_ptr<const UniqueFd> self;    // a directory's own fd, open for the walk below it
  ReadObject read;                         // filled in by a reader thread
};
using EntryPtr = std::shared_ptr<Entry>;

// The depth-first walk of a layer dir in tar order (each directory's children sorted by tar
// name). Everything is looked up relative to its directory's fd: a layer can hold 20,000
// files, and resolving each one's whole path again would be most of the walk's cost.
class LayerWalk {
 public:
  LayerWalk(UniqueFd root, const fs::path& root_path) {
    enter(std::make_shared<const UniqueFd>(std::move(root)), root_path, "");
  }

  // The next entry, or nullptr after the last.
  EntryPtr next() {
    if (pending_marker_) return std::exchange(pending_marker_, nullptr);
    while (!open_.empty()) {
      OpenDir& top = open_.back();
      if (top.next == top.children.size()) {
        open_.pop_back();
        continue;
      }
      cache::DirectoryEntry& child = top.children[top.next++];
      auto entry = std::make_shared<Entry>();
      entry->st = child.st;
      if (is_whiteout(child.st)) {
        entry->tar_name = top.prefix + std::string(kWhiteoutPrefix) + child.name;
        entry->marker = true;
        return entry;
      }
      if (S_ISSOCK(child.st.st_mode)) continue;  // sockets have no tar form
      entry->dir = top.fd;
      entry->dir_path = top.path;
      entry->name = std::move(child.name);
      entry->tar_name = top.prefix + entry->name;
      if (S_ISDIR(entry->st.st_mode)) {
        entry->tar_name += "/";
        const fs::path path = *top.path / entry->name;
        entry->self = std::make_shared<const UniqueFd>(cache::open_directory_at(top.fd->get(), entry->name.c_str(), path.string()));
        // The marker right after its directory, so that no extractor can apply it after this
        // layer's own children.
        if (is_opaque_dir(entry->self->get())) {
          pending_marker_ = std::make_shared<Entry>(
              Entry{.tar_name = entry->tar_name + std::string(kOpaqueMarker), .st = entry->st, .marker = true});
        }
        enter(entry->self, path, entry->tar_name);  // `top` is not used after this
      }
      return entry;
    }
    return nullptr;
  }

 private:
  struct OpenDir {
    std::shared_ptr<const UniqueFd> fd;  // shared with the entries being read in it
    std::shared_ptr<const fs::path> path;
    std::string prefix;  // "" or "a/b/"
    std::vector<cache::DirectoryEntry> children;
    std::size_t next = 0;
  };

  void enter(std::shared_ptr<const UniqueFd> fd, const fs::path& path, std::string prefix) {
    std::vector<cache::DirectoryEntry> children = cache::stat_directory(fd->get(), path.string());
    for (const auto& child : children)
      if (child.error != 0)
        throw errno_error("stat `" + (path / child.name).string() + "`", child.error);
    // Sorted by tar name: a whiteout `x` is `.wh.x` there.
    auto tar_key = [](const cache::DirectoryEntry& e) {
      return is_whiteout(e.st) ? std::string(kWhiteoutPrefix) + e.name : e.name;
    };
    if (std::any_of(children.begin(), children.end(), [](const auto& e) { return is_whiteout(e.st); }))
      std::sort(children.begin(), children.end(),
                [&](const auto& a, const auto& b) { return tar_key(a) < tar_key(b); });
    open_.push_back({std::move(fd), std::make_shared<const fs::path>(path), std::move(prefix), std::move(children)});
  }

  std::vector<OpenDir> open_;
  EntryPtr pending_marker_;
};

// Walks, reads and writes at once: the walk and the tar writer keep their order, the reads of
// the entries in between run on every core. Entries travel in small batches: one hand-off
// between threads costs about as much as reading a small file.
void pack_tree(TarWriter& tar, UniqueFd root, const fs::path& root_path, std::optional<std::int64_t> clamp) {
  using Batch = std::shared_ptr<std::vector<EntryPtr>>;
  LayerWalk walk(std::move(root), root_path);
  auto next_batch = [&](tbb::flow_control& control) {
    auto batch = std::make_shared<std::vector<EntryPtr>>();
    batch->reserve(kBatch);
    while (batch->size() < kBatch)
      if (EntryPtr entry = walk.next()) batch->push_back(std::move(entry));
      else break;
    if (batch->empty()) control.stop();
    return batch;
  };
  auto read_batch = [](Batch batch) {
    for (const EntryPtr& entry : *batch)
      if (!entry->marker)
        entry->read = read_object({entry->dir->get(), entry->name.c_str(), *entry->dir_path,
                                   entry->self ? entry->self->get() : -1},
                                  entry->st, kReadAhead);
    return batch;
  };
  auto write_batch = [&](const Batch& batch) {
    for (const EntryPtr& entry : *batch) {
      if (entry->marker)
        tar.add_marker(entry->tar_name, entry->st, clamp);
      else
        tar.add_read(entry->tar_name, entry->read, clamp);
    }
  };
  tbb::parallel_pipeline(kBatchesInFlight,
                         tbb::make_filter<void, Batch>(tbb::filter_mode::serial_in_order, next_batch) &
                             tbb::make_filter<Batch, Batch>(tbb::filter_mode::parallel, read_batch) &
                             tbb::make_filter<Batch, void>(tbb::filter_mode::serial_in_order, write_batch));
}

// Writes the blob's bytes to `out`. Returns the diff_id of a compressed blob; an uncompressed
// blob's diff_id is its own digest, which the caller's sink computes as it stores the bytes.
std::optional<Digest> write_layer(const fs::path& layer_dir, ByteSink& out, const PackOptions& options) {
  if (!S_ISDIR(lstat_path(layer_dir).st_mode))
    throw Error("layer `" + layer_dir.string() + "`: not a directory");
  UniqueFd layer = cache::open_directory_at(AT_FDCWD, layer_dir.c_str(), layer_dir.string());
  auto write_tar = [&](ByteSink& sink) {
    TarWriter tar(sink);
    pack_tree(tar, std::move(layer), layer_dir, options.clamp_mtime);
    tar.finish();
  };
  if (options.compression == Compression::Uncompressed) {
    write_tar(out);
    return std::nullopt;
  }
  std::unique_ptr<Compressor> compressor = make_compressor(options.compression, options.level, out);
  HashingSink tar_bytes(*compressor);
  write_tar(tar_bytes);
  compressor->finish();
  return tar_bytes.finish();
}

}  // namespace

LayerBlob pack_layer(const fs::path& layer_dir, const cache::ContentStore& store,
                     const PackOptions& options, const std::optional<Digest>& expected_diff_id) {
  LayerBlob blob{.media_type = media_types::layer_type(options.compression, options.oci_media_types)};
  auto ingest = store.ingest();
  IngestSink stored(ingest);
  const std::optional<Digest> diff_id = write_layer(layer_dir, stored, options);
  blob.size = ingest.size();
  blob.digest = ingest.digest();
  blob.diff_id = diff_id.value_or(blob.digest);
  if (expected_diff_id && blob.diff_id != *expected_diff_id)
    throw Error("layer `" + layer_dir.string() + "` packs to " + blob.diff_id.str() + ", not to " +
                expected_diff_id->str() + " as when it was hashed: its files were changed on disk");
  ingest.commit();
  return blob;
}

cache::UncompressedLayer write_layer_tar(const fs::path& layer_dir, ByteSink& out,
                                         std::optional<std::int64_t> clamp_mtime) {
  HashingSink tar(out);
  write_layer(layer_dir, tar, {.compression = Compression::Uncompressed, .clamp_mtime = clamp_mtime});
  return {.diff_id = tar.finish(), .size = tar.size()};
}

LayerBlob hash_layer(const fs::path& layer_dir, const PackOptions& options) {
  LayerBlob blob{.media_type = media_types::layer_type(options.compression, options.oci_media_types)};
  DiscardSink nowhere;
  HashingSink blob_bytes(nowhere);
  const std::optional<Digest> diff_id = write_layer(layer_dir, blob_bytes, options);
  blob.size = blob_bytes.size();
  blob.digest = blob_bytes.finish();
  blob.diff_id = diff_id.value_or(blob.digest);
  return blob;
}

}  // namespace gantry::exporter
