#include "cli/build_context_flags.h"

#include "base/error.h"
#include "frontend/dockerfile/named_context.h"

namespace gantry::cli {

std::map<std::string, engine::BuildContextSource> parse_build_contexts(
    const std::vector<std::string>& specs) {
  std::map<std::string, engine::BuildContextSource> out;
  for (const std::string& spec : specs) {
    const auto eq = spec.find('=');
    if (eq == std::string::npos)
      throw UsageError("invalid --build-context `" + spec + "`: expected NAME=VALUE");
    std::string name;
    try {
      name = frontend::named_context_key(spec.substr(0, eq));
    } catch (const Error& e) {
      throw UsageError("invalid --build-context `" + spec + "`: " + e.what());
    }
    engine::BuildContextSource source = engine::parse_build_context(name, spec.substr(eq + 1));
    if (!out.emplace(name, std::move(source)).second)
      throw UsageError("--build-context `" + spec + "`: a context named `" + name +
                       "` was given already");
  }
  return out;
}

}  // namespace gantry::cli
