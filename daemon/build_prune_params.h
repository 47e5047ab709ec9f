// POST /build/prune's query parameters in the garbage collector's terms: all (also unpacked
// base layers and unused blobs, as `gantry prune --all`), keep-storage (bytes of build cache to
// keep) and filters, of which gantry implements `until` (only cache unused for that long).
// dockerd's other filters (id, parent, type, description, inuse, shared, private) select single
// cache records, which gantry's prune does not: they are refused by name.
#pragma once

#include <map>
#include <string>

#include "cache/garbage_collector.h"

namespace gantry::daemon {

// Throws UsageError naming the parameter or filter that is malformed or not implemented.
cache::PruneOptions parse_build_prune_params(const std::multimap<std::string, std::string>& query);

}  // namespace gantry::daemon
