// `--output` / `-o` values as docker buildx takes them: CSV fields of key=value
// ("type=oci,dest=out.tar,compression=zstd", `type=image,"name=a:1,b:1",push=true`), or a bare
// path (type=local), or "-" (type=tar to standard output). --push is type=registry.
//
// Every type has the keys it takes listed; a key gantry knows from buildx but does not
// implement is refused by name, and so is any other key: none is accepted and ignored.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/image_annotations.h"
#include "exporter/layer.h"

namespace gantry::engine {

struct OutputSpec {
  std::string type;  // image, oci, docker, tar, local, registry
  // A file or directory; "-" is standard output (oci and tar without dest= too, as buildx);
  // "" for type=image and registry, and type=docker without dest= (the local store has it).
  std::string dest;
  std::map<std::string, std::string> attrs;  // every key=value given, keys in lower case
  std::vector<std::string> names;            // name=, split at commas, each in its familiar form
                                             // (ImageRef::familiar): what the output calls the image
  bool push = false;                         // type=registry, type=image,push=true
  bool tar = true;                           // oci, docker: tar=false writes an OCI image layout directory
  ImageAnnotations annotations;              // annotation*.KEY=V

  bool to_stdout() const { return dest == "-"; }
  bool is_directory() const { return type == "local" || !tar; }

  // compression, compression-level, force-compression, oci-mediatypes, SOURCE_DATE_EPOCH
  exporter::PackOptions pack_options(std::optional<std::int64_t> clamp_mtime) const;
  bool oci_mediatypes() const;
  bool force_compression() const;  // repack layers whose blob has another compression
  bool sets_packing() const;       // any of the keys pack_options reads was given
};

// Throws UsageError naming the value when it is malformed: an unknown type or key, a key
// gantry does not implement, a bad value.
OutputSpec parse_output_spec(const std::string& text);

// Adds `annotations` (from --annotation, which buildx puts on every output) to the spec's own.
void add_annotations(OutputSpec& spec, const ImageAnnotations& annotations);

// Throws UsageError naming the output and the level when `spec` has annotations at a level its
// output does not have: an index (gantry's images are single-platform), a manifest descriptor
// outside an OCI layout, anything in a docker archive, a manifest with docker media types.
void check_annotation_levels(const OutputSpec& spec);

// Throw UsageError naming the destination when the output could not be written there (checked
// before the build runs, so that no build is run for an output it cannot write): its directory
// missing, not a directory or not writable, a file over a directory, a directory output over a
// directory that is not empty. `what` names it in the message ("--iidfile").
void check_destination(const OutputSpec& spec);
void check_file_destination(const std::filesystem::path& file, const std::string& what);

}  // namespace gantry::engine
