#include "engine/pull_policy.h"

#include "base/error.h"

namespace gantry::engine {

PullPolicy parse_pull_policy(const std::string& value, const std::string& flag) {
  if (value == "missing") return PullPolicy::Missing;
  if (value == "always") return PullPolicy::Always;
  if (value == "never") return PullPolicy::Never;
  throw UsageError("invalid " + flag + " value `" + value + "`: want always, missing or never");
}

PullPolicy parse_build_pull_policy(const std::string& value, const std::string& flag) {
  if (value == "true") return PullPolicy::Always;
  if (value == "false") return PullPolicy::Missing;
  if (value == "missing" || value == "always" || value == "never") return parse_pull_policy(value, flag);
  throw UsageError("invalid " + flag + " value `" + value + "`: want always, missing, never, true or false");
}

bool pulls(PullPolicy policy, bool in_store, bool pinned_by_digest) {
  switch (policy) {
    case PullPolicy::Missing: return !in_store;
    case PullPolicy::Always: return !(in_store && pinned_by_digest);
    case PullPolicy::Never: return false;
  }
  return false;
}

}  // namespace gantry::engine
