// When a build or a run reaches a registry for an image, as docker's --pull says:
//   Missing (the default): an image the local store lacks is pulled, whatever its name
//            ("busybox" from docker.io, "127.0.0.1:5000/team/app:1" from that registry);
//   Always:  the registry is asked each time and a newer digest pulled (a NAME@DIGEST the
//            store has is used as it is: its content cannot change);
//   Never:   the network is never touched; an image the store lacks is an error.
#pragma once

#include <string>

namespace gantry::engine {

enum class PullPolicy { Missing, Always, Never };

// docker run's values: "always", "missing", "never". Throws UsageError naming `flag` and the
// value otherwise.
PullPolicy parse_pull_policy(const std::string& value, const std::string& flag);
// A build's --pull: those three, and buildx's booleans "true" (always) and "false" (missing).
PullPolicy parse_build_pull_policy(const std::string& value, const std::string& flag);

// Whether an image is pulled before use under `policy`, given whether the store has it and
// whether its reference pins a digest. Never is checked by the caller: it pulls nothing.
bool pulls(PullPolicy policy, bool in_store, bool pinned_by_digest);

}  // namespace gantry::engine
