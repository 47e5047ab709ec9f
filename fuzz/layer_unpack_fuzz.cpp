// Any bytes as a layer blob (a plain, gzip or zstd tar, as its bytes tell), unpacked into an
// empty directory as a pull or load does, checked against a diff_id. It must unpack or throw gantry::Error, leave the
// directory empty when it throws, and write nothing outside it: after each input the directory
// beside it must still be empty and their parent must hold nothing new. (Run as root, as the
// extractor restores owners and device nodes; the scratch tree lives in /dev/shm.)
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string_view>

#include "base/digest.h"
#include "base/error.h"
#include "base/file_util.h"
#include "exporter/layer.h"

namespace {

namespace fs = std::filesystem;

struct Scratch {
  gantry::TempDir dir{"/dev/shm", "gantry-fuzz-unpack-"};
  fs::path blob = dir.path() / "layer.blob";
  fs::path dest = dir.path() / "dest";
  fs::path beside = dir.path() / "beside";
  Scratch() { fs::create_directory(beside); }
};

bool is_empty_dir(const fs::path& p) { return fs::is_directory(p) && fs::is_empty(p); }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Scratch scratch;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  gantry::write_file_atomic(scratch.blob, bytes);
  // The blob's own digest is the diff_id a plain tar has, so plain tars take the path of a layer
  // that is what it claims, and compressed ones the path of one that lies (emptied again).
  const gantry::Digest claimed = gantry::sha256_of(bytes);
  fs::create_directory(scratch.dest);
  bool failed = false;
  try {
    gantry::exporter::unpack_layer(scratch.blob, claimed, scratch.dest);
  } catch (const gantry::Error&) {
    failed = true;
  }
  if (failed && !is_empty_dir(scratch.dest)) std::abort();  // a half-unpacked layer left behind
  if (!is_empty_dir(scratch.beside)) std::abort();            // written outside the destination
  for (const auto& entry : fs::directory_iterator(scratch.dir.path()))
    if (entry.path() != scratch.blob && entry.path() != scratch.dest && entry.path() != scratch.beside)
      std::abort();
  fs::remove_all(scratch.dest);
  return 0;
}
