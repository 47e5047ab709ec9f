// POST /images/prune's filters, read as dockerd reads them, as the engine's prune request:
//   dangling=true   untagged images only (the default); dangling=false every image (image prune -a)
//   until=TIME      only images created at or before TIME: a unix time SECONDS[.NANOSECONDS], a
//                   date (2006-01-02, 2006-01-02T15:04:05[.999], in the daemon's time zone
//                   without an offset; RFC 3339 with one), or a Go duration before now ("24h",
//                   "1h30m")
//   label=KEY[=VALUE]    only images that have every such label
//   label!=KEY[=VALUE]   not images that have every such label
// Any other filter is a UsageError naming it.
#pragma once

#include <cstdint>
#include <string>

#include "daemon/http_server.h"
#include "engine/image_prune.h"

namespace gantry::daemon {

// `now` (unix nanoseconds) is what durations count back from.
engine::ImagePruneRequest parse_image_prune_params(const HttpRequest& request, std::int64_t now);

// A TIME as until= takes it, as unix nanoseconds; throws UsageError naming `what`.
std::int64_t parse_docker_time(const std::string& value, std::int64_t now, const std::string& what);

}  // namespace gantry::daemon
