// `--output` / `-o` values as docker buildx takes them: "type=oci,dest=out.tar,compression=zstd"
// or a bare path (type=local). --push is type=registry.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include "exporter/layer.h"

namespace gantry::engine {

struct OutputSpec {
  std::string type;  // image, oci, docker, tar, local, registry
  std::string dest;  // a file or directory; "-" is stdout for tar-like types
  std::map<std::string, std::string> attrs;  // every key=value given

  // compression, compression-level, force-compression, oci-mediatypes, SOURCE_DATE_EPOCH
  exporter::PackOptions pack_options(std::optional<std::int64_t> clamp_mtime) const;
  bool oci_mediatypes() const;
  bool force_compression() const;  // repack layers whose blob has another compression
};

// Throws UsageError naming the value when it is malformed: an unknown type or key, a bad value.
OutputSpec parse_output_spec(const std::string& text);

// Throw UsageError naming the destination when the output could not be written there (checked
// before the build runs, so that no build is run for an output it cannot write): its directory
// missing, not a directory or not writable, a file over a directory, a local output over a
// directory that is not empty. `what` names it in the message ("--iidfile").
void check_destination(const OutputSpec& spec);
void check_file_destination(const std::filesystem::path& file, const std::string& what);

}  // namespace gantry::engine
