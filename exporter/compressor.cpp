#include "exporter/compressor.h"

namespace gantry::exporter {

namespace {

class Passthrough final : public Compressor {
 public:
  explicit Passthrough(ByteSink& out) : out_(out) {}
  void write(const void* data, std::size_t size) override { out_.write(data, size); }
  void finish() override {}

 private:
  ByteSink& out_;
};

}  // namespace

std::unique_ptr<Compressor> make_compressor(Compression compression, int level, ByteSink& out) {
  switch (compression) {
    case Compression::Gzip:
      return make_parallel_gzip(level, out);
    case Compression::Zstd:
      return make_zstd(level, out);
    case Compression::Uncompressed:
      break;
  }
  return std::make_unique<Passthrough>(out);
}

}  // namespace gantry::exporter
