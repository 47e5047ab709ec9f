#include "exporter/layer.h"

#include <fcntl.h>
#include <unistd.h>

#include <memory>

#include "base/error.h"
#include "base/unique_fd.h"
#include "exporter/byte_sink.h"
#include "exporter/compressor.h"
#include "exporter/media_types.h"

namespace gantry::exporter {

LayerBlob compress_layer(const cache::ContentStore& store, const LayerBlob& plain, const PackOptions& options) {
  const auto source = store.path(plain.digest);
  UniqueFd in(::open(source.c_str(), O_RDONLY | O_CLOEXEC));
  if (!in) throw_errno("open layer blob " + plain.digest.str());
  auto ingest = store.ingest();
  IngestSink stored(ingest);
  std::unique_ptr<Compressor> compressor = make_compressor(options.compression, options.level, stored);
  constexpr std::size_t kChunk = 1 << 20;
  auto buffer = std::make_unique_for_overwrite<char[]>(kChunk);
  for (;;) {
    const ssize_t n = ::read(in.get(), buffer.get(), kChunk);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw_errno("read layer blob " + plain.digest.str());
    if (n == 0) break;
    compressor->write(buffer.get(), static_cast<std::size_t>(n));
  }
  compressor->finish();
  LayerBlob blob{.diff_id = plain.diff_id, .media_type = media_types::layer_type(options.compression, options.oci_media_types)};
  blob.size = ingest.size();
  blob.digest = ingest.commit();
  return blob;
}

}  // namespace gantry::exporter
