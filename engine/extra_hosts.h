// docker build's extra /etc/hosts lines (--add-host, the API's extrahosts): HOST:IP, HOST=IP
// (buildx's spelling, which an IPv6 address needs), or HOST:host-gateway.
#pragma once

#include <string>
#include <vector>

#include "executor/executor.h"

namespace gantry::engine {

// Throws UsageError naming `option` and the value that is not one of those forms.
std::vector<executor::HostEntry> parse_extra_hosts(const std::vector<std::string>& values,
                                                   const std::string& option);

}  // namespace gantry::engine
