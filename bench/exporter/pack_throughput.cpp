// Export throughput (wall and CPU seconds): packs a generated layer (default 200 MB, half compressible text, half
// random bytes, files from 1 KiB to 8 MiB) with each compression, and compares gzip and zstd
// with a single-threaded baseline (zlib deflate / libzstd without workers, over the already
// built plain tar, so the baseline does not even pay for reading files, tar and sha256).
//   pack_throughput [MB] [scratch dir]
//   pack_throughput --dir LAYER_DIR [RUNS]   packs an existing directory (a snapshot) uncompressed
//                                            RUNS times: the build's own per-layer cost
#include <zlib.h>
#include <zstd.h>

#include <time.h>

#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "base/file_util.h"
#include "exporter/byte_sink.h"
#include "exporter/compressor.h"
#include "exporter/layer.h"

namespace fs = std::filesystem;
using namespace gantry;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// CPU seconds of the whole process (every thread) so far: on a shared machine, what a run
// costs however long it waited for a core.
double cpu_seconds() {
  timespec t{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

struct Timing {
  double wall = 0;
  double cpu = 0;
};

class Stopwatch {
 public:
  Timing stop() const { return {seconds_since(wall_), cpu_seconds() - cpu_}; }

 private:
  Clock::time_point wall_ = Clock::now();
  double cpu_ = cpu_seconds();
};

void print_row(const std::string& name, double tar_mb, const std::string& blob_mb, Timing t) {
  std::printf("%-14s %10.1f %10s %9.2f %8.2f %8.1f\n", name.c_str(), tar_mb, blob_mb.c_str(), t.wall, t.cpu,
              tar_mb / t.wall);
}

void generate_layer(const fs::path& root, std::size_t total_bytes) {
  std::mt19937_64 rng(42);
  const std::vector<std::string> words = {"layer ", "gantry ", "build ", "image ", "cache ", "COPY ", "RUN ",
                                          "/usr/lib/x86_64-linux-gnu/", "0x7f3a ", "\n", "return 0; ", "{ } "};
  std::size_t written = 0;
  for (int i = 0; written < total_bytes; ++i) {
    const std::size_t size = std::min<std::size_t>(total_bytes - written, 1024u << (rng() % 14));
    std::string data;
    data.reserve(size);
    if (i % 2 == 0) {
      while (data.size() < size) data += words[rng() % words.size()];
    } else {
      while (data.size() < size) {
        const std::uint64_t r = rng();
        data.append(reinterpret_cast<const char*>(&r), sizeof r);
      }
    }
    data.resize(size);
    const fs::path dir = root / ("d" + std::to_string(i % 37)) / ("s" + std::to_string(i % 5));
    fs::create_directories(dir);
    write_file_atomic(dir / ("f" + std::to_string(i)), data);
    written += size;
  }
}

Timing zlib_single_thread(const std::string& data) {
  const Stopwatch watch;
  z_stream z{};
  deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  std::vector<unsigned char> out(1 << 20);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  int rc;
  do {
    z.next_out = out.data();
    z.avail_out = static_cast<uInt>(out.size());
    rc = deflate(&z, Z_FINISH);
  } while (rc == Z_OK);
  deflateEnd(&z);
  return watch.stop();
}

Timing zstd_single_thread(const std::string& data) {
  const Stopwatch watch;
  std::vector<char> out(ZSTD_compressBound(data.size()));
  ZSTD_compress(out.data(), out.size(), data.data(), data.size(), ZSTD_CLEVEL_DEFAULT);
  return watch.stop();
}

// gantry's own compressor over the plain tar in memory, on `threads` threads (0: every core).
Timing compressor_alone(exporter::Compression compression, const std::string& data, unsigned threads) {
  const Stopwatch watch;
  exporter::DiscardSink nowhere;
  auto compressor = compression == exporter::Compression::Gzip ? exporter::make_parallel_gzip(-1, nowhere, threads)
                                                                : exporter::make_zstd(-1, nowhere, threads);
  constexpr std::size_t kPiece = 1 << 20;  // as a tar writer hands it over
  for (std::size_t at = 0; at < data.size(); at += kPiece)
    compressor->write(data.data() + at, std::min(kPiece, data.size() - at));
  compressor->finish();
  return watch.stop();
}

}  // namespace

int pack_existing(const fs::path& layer, int runs) {
  TempDir scratch(fs::temp_directory_path(), "gantry-bench-");
  cache::ContentStore store(scratch.path() / "store");
  std::printf("%-8s %10s %9s %8s\n", "run", "tar MB", "seconds", "MB/s");
  for (int i = 1; i <= runs; ++i) {
    const auto start = Clock::now();
    const exporter::LayerBlob blob = exporter::pack_layer(layer, store, {.compression = exporter::Compression::Uncompressed});
    const double secs = seconds_since(start);
    const double tar_mb = static_cast<double>(blob.size) / (1 << 20);
    std::printf("%-8d %10.1f %9.3f %8.1f  %s\n", i, tar_mb, secs, tar_mb / secs, blob.diff_id.str().c_str());
  }
  return 0;
}

int main(int argc, char** argv) {
  if (argc > 2 && std::string(argv[1]) == "--dir") return pack_existing(argv[2], argc > 3 ? std::stoi(argv[3]) : 5);
  const std::size_t megabytes = argc > 1 ? std::stoul(argv[1]) : 200;
  const fs::path scratch_parent = argc > 2 ? fs::path(argv[2]) : fs::temp_directory_path();
  TempDir scratch(scratch_parent, "gantry-bench-");
  const fs::path layer = scratch.path() / "layer";
  generate_layer(layer, megabytes << 20);
  cache::ContentStore store(scratch.path() / "store");

  struct Run {
    const char* name;
    exporter::Compression compression;
  };
  std::string plain_tar;
  std::printf("%-14s %10s %10s %9s %8s %8s\n", "compression", "tar MB", "blob MB", "seconds", "CPU s", "MB/s");
  for (const Run run : {Run{"uncompressed", exporter::Compression::Uncompressed}, Run{"gzip", exporter::Compression::Gzip},
                        Run{"zstd", exporter::Compression::Zstd}}) {
    const Stopwatch watch;
    const exporter::LayerBlob blob = exporter::pack_layer(layer, store, {.compression = run.compression});
    const Timing t = watch.stop();
    char blob_mb[32];
    std::snprintf(blob_mb, sizeof blob_mb, "%.1f", static_cast<double>(blob.size) / (1 << 20));
    print_row(run.name, static_cast<double>(store.size(blob.diff_id)) / (1 << 20), blob_mb, t);
    if (run.compression == exporter::Compression::Uncompressed) plain_tar = store.read(blob.digest);
  }
  const double tar_mb = static_cast<double>(plain_tar.size()) / (1 << 20);
  print_row("gzip 1-thread", tar_mb, "-", zlib_single_thread(plain_tar));
  print_row("zstd 1-thread", tar_mb, "-", zstd_single_thread(plain_tar));
  // The compressors alone, over the same tar: what the cores buy without the walk, tar and
  // hashes; on one thread, gzip's blocks cost what priming each with a dictionary and flushing
  // it adds to plain zlib.
  for (const Run run : {Run{"gzip alone", exporter::Compression::Gzip}, Run{"zstd alone", exporter::Compression::Zstd}})
    for (const unsigned threads : {1u, 0u})
      print_row(std::string(run.name) + (threads == 1 ? " 1T" : ""), tar_mb, "-",
                compressor_alone(run.compression, plain_tar, threads));
}
