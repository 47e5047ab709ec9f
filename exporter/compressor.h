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

// A single-member gzip stream compressed pigz-style: 128 KiB blocks deflated on `threads` worker
// threads (0: one per core), each primed with the 32 KiB before it and ended on a byte boundary,
// then concatenated. The block size is fixed, so the bytes are the same for any thread count.
std::unique_ptr<Compressor> make_parallel_gzip(int level, ByteSink& out, unsigned threads = 0);
// A zstd frame from libzstd's multithreaded streaming mode with `workers` workers (0: one per
// core), with a content checksum. zstd's authors state that this mode's output is the same for
// any number of workers from one up (only zero workers, the single-threaded format, differs),
// and the unit tests check it for 1 to 5; its jobs are cut by size, not by the calls to write().
std::unique_ptr<Compressor> make_zstd(int level, ByteSink& out, unsigned workers = 0);

}  // namespace gantry::exporter
