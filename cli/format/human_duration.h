// How docker says how long ago something was: go-units' HumanDuration, whose steps scripts and
// eyes are used to ("Less than a second", "About a minute", "2 hours", "3 weeks", "2 years").
#pragma once

#include <cstdint>
#include <string>

namespace gantry::cli {

// `seconds` (a duration, not negative) as docker's CREATED column words it, without " ago".
std::string human_duration(std::int64_t seconds);

}  // namespace gantry::cli
