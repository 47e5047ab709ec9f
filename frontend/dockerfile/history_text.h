// The created_by text of image history entries, spelled as BuildKit spells it: BuildKit formats
// its own Go values with fmt (%q of a []string, %v of a map, %q of a struct), and tools that
// compare images (docker history, diffs of image configs) see exactly those strings.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "frontend/dockerfile/instructions.h"

namespace gantry::frontend {

// %q of a []string: ["a" "b"] (CMD, ENTRYPOINT).
std::string go_quote_list(const nlohmann::json& strings);
// %v of a []string: [a b] (SHELL).
std::string go_list(const std::vector<std::string>& strings);
// %v of a port set: map[443/tcp:{} 80/tcp:{}], the keys in byte order (EXPOSE).
std::string go_port_set(const std::set<std::string>& ports);
// time.Duration's String: "0s", "500ms", "1m30s", "1h0m0s".
std::string go_duration(std::int64_t nanoseconds);
// %q of BuildKit's healthcheck config, `test` being what the image config got:
// &{["CMD-SHELL" "true"] "5s" "0s" "0s" "0s" '\x03'}.
std::string go_healthcheck(const nlohmann::json& test, const HealthcheckInstruction& h);

}  // namespace gantry::frontend
