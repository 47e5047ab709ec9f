#include <zstd.h>

#include <algorithm>
#include <memory>
#include <thread>
#include <vector>

#include "base/error.h"
#include "exporter/compressor.h"

namespace gantry::exporter {

namespace {

struct CCtxDeleter {
  void operator()(ZSTD_CCtx* c) const { ZSTD_freeCCtx(c); }
};

void check(std::size_t rc, const char* what) {
  if (ZSTD_isError(rc)) throw Error(std::string("zstd: ") + what + ": " + ZSTD_getErrorName(rc));
}

class ZstdStream final : public Compressor {
 public:
  ZstdStream(int level, unsigned workers, ByteSink& out) : ctx_(ZSTD_createCCtx()), out_(out), buffer_(ZSTD_CStreamOutSize()) {
    if (!ctx_) throw Error("zstd: cannot create a compression context");
    if (level > ZSTD_maxCLevel())
      throw UsageError("zstd: compression level " + std::to_string(level) + " is above " +
                       std::to_string(ZSTD_maxCLevel()));
    check(ZSTD_CCtx_setParameter(ctx_.get(), ZSTD_c_compressionLevel, level < 0 ? ZSTD_CLEVEL_DEFAULT : level),
          "set level");
    check(ZSTD_CCtx_setParameter(ctx_.get(), ZSTD_c_checksumFlag, 1), "enable checksum");
    // Zero workers would be the single-threaded format, whose bytes differ from the
    // multithreaded one; one or more workers all give the same bytes.
    if (workers == 0) workers = std::max(1u, std::thread::hardware_concurrency());
    check(ZSTD_CCtx_setParameter(ctx_.get(), ZSTD_c_nbWorkers, static_cast<int>(workers)), "set worker count");
  }

  void write(const void* data, std::size_t size) override {
    ZSTD_inBuffer in{data, size, 0};
    while (in.pos < in.size) drain(&in, ZSTD_e_continue);
  }

  void finish() override {
    ZSTD_inBuffer in{nullptr, 0, 0};
    while (drain(&in, ZSTD_e_end) != 0) {
    }
  }

 private:
  std::size_t drain(ZSTD_inBuffer* in, ZSTD_EndDirective mode) {
    ZSTD_outBuffer out{buffer_.data(), buffer_.size(), 0};
    const std::size_t remaining = ZSTD_compressStream2(ctx_.get(), &out, in, mode);
    check(remaining, "compress");
    if (out.pos > 0) out_.write(buffer_.data(), out.pos);
    return remaining;
  }

  std::unique_ptr<ZSTD_CCtx, CCtxDeleter> ctx_;
  ByteSink& out_;
  std::vector<char> buffer_;
};

}  // namespace

std::unique_ptr<Compressor> make_zstd(int level, ByteSink& out, unsigned workers) {
  return std::make_unique<ZstdStream>(level, workers, out);
}

}  // namespace gantry::exporter
