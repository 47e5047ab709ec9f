// --build-context NAME=VALUE (repeatable), as buildx takes it: NAME is an image reference
// (normalized as frontend/dockerfile/named_context.h says) and VALUE a context
// (engine/named_contexts.h).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "engine/named_contexts.h"

namespace gantry::cli {

// Throws UsageError naming the flag's value: no `=`, a NAME that is no image reference, a
// VALUE parse_build_context refuses, or a NAME given twice.
std::map<std::string, engine::BuildContextSource> parse_build_contexts(
    const std::vector<std::string>& specs);

}  // namespace gantry::cli
