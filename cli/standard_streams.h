// Archives through pipes, as docker's verbs take them: `gantry save IMAGE | gzip` writes to
// standard output when no file is named, `gzip -dc app.tar.gz | gantry load` reads standard
// input. A terminal is refused either way: an archive is not for reading on a screen, and a
// load would wait for one typed in.
#pragma once

#include <filesystem>
#include <string>

#include "exporter/output_file.h"

namespace gantry::cli {

// Standard output as an archive's target; throws UsageError naming `command` and saying what to
// do instead (`instead`) when it is a terminal.
exporter::OutputTarget archive_to_stdout(const std::string& command,
                                         const std::string& instead = "give -o FILE or redirect");

// Copies standard input whole into a new file in `dir` (a loader reads an archive more than
// once) and returns its path; throws UsageError naming `command` (and the argument to give
// `instead`) when it is a terminal, Error when it cannot be read or the file written.
std::filesystem::path spool_stdin(const std::filesystem::path& dir, const std::string& command,
                                  const std::string& instead);

}  // namespace gantry::cli
