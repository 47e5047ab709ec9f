// Stream compressors for layers. Each is a ByteSink that compresses what it is given into
// another sink; finish() ends the stream. Both gzip and zstd use every core while the caller
// keeps producing input, and their output depends only on the input and the level, never on the
// number of threads or on how the input was split into write() calls (layer digests must be
// reproducible on any machine).
#pragma once

#include <memory>

#include "exporter/byte_sink.h"
#include "exporter/layer.h"

namespace gantry::exporter {

class Compressor : public ByteSink {
 public:
  virtual void finish() = 0;
};

// `level` -1 picks the codec's default (gzip 6, zstd 3).
std::unique_ptr<Compressor> make_compressor(Compression compression, int level, ByteSink& out);

// A single-member gzip stream compressed pigz-style: 128 KiB blocks deflated in parallel, each
// primed with the 32 KiB before it and ended on a byte boundary, then concatenated.
std::unique_ptr<Compressor> make_parallel_gzip(int level, ByteSink& out);
// A zstd frame from libzstd's multithreaded mode (always at least one worker, so the frame is
// the same whatever the core count), with a content checksum.
std::unique_ptr<Compressor> make_zstd(int level, ByteSink& out);

}  // namespace gantry::exporter
