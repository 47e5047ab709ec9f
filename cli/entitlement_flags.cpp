#include "cli/entitlement_flags.h"

#include "base/error.h"

namespace gantry::cli {

void add_allow_flag(CLI::App& command, std::vector<std::string>& names) {
  command
      .add_option("--allow", names,
                  "Grant an entitlement to RUN steps: network.host (RUN --network=host), "
                  "security.insecure (RUN --security=insecure)")
      ->delimiter(',')
      ->allow_extra_args(false);
}

solver::Entitlements parse_allow(const std::vector<std::string>& names) {
  solver::Entitlements granted;
  for (const std::string& name : names) {
    const auto entitlement = solver::entitlement_named(name);
    if (!entitlement) {
      throw UsageError("--allow `" + name + "`: unknown entitlement (known: " +
                       solver::entitlement_names() + ")");
    }
    granted.insert(*entitlement);
  }
  return granted;
}

}  // namespace gantry::cli
