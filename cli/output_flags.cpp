#include "cli/output_flags.h"

#include "base/error.h"
#include "cli/standard_streams.h"

namespace gantry::cli {

void add_output_flags(CLI::App& command, OutputFlags& flags) {
  command
      .add_option("-o,--output", flags.outputs,
                  "Output: type=image|oci|docker|tar|local|registry[,dest=PATH][,...]; - (or dest=-) is standard "
                  "output")
      ->allow_extra_args(false);
  command
      .add_option("--annotation", flags.annotations,
                  "Add an annotation to the image of every output: [TYPE:]KEY=VALUE (TYPE manifest, "
                  "manifest-descriptor, index or index-descriptor)")
      ->allow_extra_args(false);
}

bool writes_to_stdout(const engine::BuildRequest& request) {
  for (const auto& o : request.outputs)
    if (o.to_stdout()) return true;
  return false;
}

void add_outputs_to_request(const OutputFlags& flags, bool quiet, engine::BuildRequest& request) {
  for (const auto& o : flags.outputs) request.outputs.push_back(engine::parse_output_spec(o));
  request.annotations = engine::parse_annotation_flags(flags.annotations);
  if (!writes_to_stdout(request)) return;
  if (quiet)
    throw UsageError("-q prints the image ID on standard output, where an --output writes its archive "
                     "(use --iidfile)");
  request.standard_output = archive_to_stdout("build --output", "give dest=FILE or redirect");
}

}  // namespace gantry::cli
