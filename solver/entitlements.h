// Entitlements, as BuildKit names them: what a build graph may do beyond the sandbox. A
// Dockerfile can ask for `RUN --security=insecure` (every capability and no seccomp: root on the
// host) or `RUN --network=host` (the host's network, its loopback services included); only the
// person running the build grants them (`gantry build --allow security.insecure`), and a graph
// that asks for one it was not granted fails before any of it runs.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "llb/definition.h"

namespace gantry::solver {

enum class Entitlement { NetworkHost, SecurityInsecure };
using Entitlements = std::set<Entitlement>;

// "network.host" or "security.insecure"; nothing for any other name.
std::optional<Entitlement> entitlement_named(std::string_view name);
std::string_view name_of(Entitlement entitlement);
// Every name, "network.host, security.insecure": for the message about an unknown one.
std::string entitlement_names();

// Throws Error "<Dockerfile:line>: ..." for the first step of `def` that needs an entitlement
// `granted` lacks, naming the option and the --allow that would grant it.
void check_entitlements(const llb::Definition& def, const Entitlements& granted);

}  // namespace gantry::solver
