#include "exporter/blob_decompress.h"

#include <fcntl.h>

#include "base/error.h"
#include "base/unique_fd.h"
#include "exporter/byte_sink.h"
#include "exporter/layer_stream.h"

namespace gantry::exporter {

Digest decompress_blob(const std::filesystem::path& blob, const std::filesystem::path& dest) {
  LayerStream stream(blob, "blob `" + blob.string() + "`");
  UniqueFd out(::open(dest.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!out) throw_errno("create `" + dest.string() + "`");
  FdSink file(out.get(), dest);
  for (std::string_view bytes = stream.next(); !bytes.empty(); bytes = stream.next()) file.write(bytes.data(), bytes.size());
  return stream.finish().diff_id;
}

}  // namespace gantry::exporter
