// `gantry build --call=METHOD[,format=json][,ignorestatus=BOOL]` (and `--check`, which is
// --call=check): what buildx asks a Dockerfile frontend instead of a build, printed as buildx
// prints it on standard output.
//
//   check    the build checks, each with its rule, documentation link and the lines at fault;
//            exit 1 when any warning was found (0 with ignorestatus=true), and an error when
//            the Dockerfile does not lower or `# check=error=true` found a broken rule
//   outline  the target and the build args (defaults, descriptions), secrets and SSH agents
//            it reads
//   targets  the stages, with their descriptions, the default marked
//
// The text forms are buildx's tables; format=json prints the frontend's JSON result instead.
#pragma once

#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

#include "engine/build_job.h"
#include "frontend/dockerfile/outline.h"

namespace gantry::cli {

enum class CallMethod { Build, Check, Outline, Targets };

struct BuildCall {
  CallMethod method = CallMethod::Build;
  bool json = false;
  bool ignore_status = false;
};

// Throws UsageError naming the method or option that is not known.
BuildCall parse_build_call(std::string_view value);

// The Dockerfile a result is about, for the source lines shown and the JSON's "sources".
struct CallSource {
  std::string file_name;
  std::string text;
};

// Each returns the exit status (the check's), having printed the result on `out`.
int print_check(std::ostream& out, const BuildCall& call, const engine::CheckOutcome& outcome,
                const CallSource& source);
void print_outline(std::ostream& out, const BuildCall& call, const frontend::Outline& outline,
                   const CallSource& source);
void print_targets(std::ostream& out, const BuildCall& call, const std::vector<frontend::BuildTarget>& targets,
                   const CallSource& source);

// Go's text/tabwriter with its defaults but `padding` (minimum width 0, blanks): each column as
// wide as its widest cell plus the padding, the last cell of a row as it is.
std::string tab_columns(const std::vector<std::vector<std::string>>& rows, std::size_t padding);

}  // namespace gantry::cli
