#include "solver/entitlements.h"

#include <array>
#include <string>
#include <variant>

#include "base/error.h"

namespace gantry::solver {
namespace {

struct Known {
  Entitlement entitlement;
  std::string_view name;
  std::string_view option;  // what a step says to need it
};
// In the enum's order.
constexpr std::array kKnown = {
    Known{Entitlement::NetworkHost, "network.host", "--network=host"},
    Known{Entitlement::SecurityInsecure, "security.insecure", "--security=insecure"},
};

const Known& known(Entitlement entitlement) { return kKnown[static_cast<std::size_t>(entitlement)]; }

}  // namespace

std::optional<Entitlement> entitlement_named(std::string_view name) {
  for (const Known& k : kKnown)
    if (k.name == name) return k.entitlement;
  return std::nullopt;
}

std::string_view name_of(Entitlement entitlement) { return known(entitlement).name; }

std::string entitlement_names() {
  std::string names;
  for (const Known& k : kKnown) names += (names.empty() ? "" : ", ") + std::string(k.name);
  return names;
}

void check_entitlements(const llb::Definition& def, const Entitlements& granted) {
  for (const auto& node : def.nodes) {
    const auto* exec = std::get_if<llb::ExecOp>(&node->op);
    if (!exec) continue;
    Entitlements needed;
    if (exec->security == llb::SecurityMode::Insecure) needed.insert(Entitlement::SecurityInsecure);
    if (exec->network == llb::NetworkMode::Host) needed.insert(Entitlement::NetworkHost);
    for (Entitlement e : needed) {
      if (granted.count(e)) continue;
      const Known& k = known(e);
      const std::string step = node->meta.location.empty() ? "a RUN step" : node->meta.location;
      throw Error(step + ": " + std::string(k.option) +
                  " is not allowed: it needs the entitlement " + std::string(k.name) +
                  ", which only the build's --allow " + std::string(k.name) + " grants");
    }
  }
}

}  // namespace gantry::solver
