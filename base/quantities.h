// Sizes and durations as docker's flags take them: "10GB", "512mb", "2g", "1048576", "256m";
// "24h", "90m", "1h30m", "7d"; and times as SOURCE_DATE_EPOCH gives them.
#pragma once

#include <cstdint>
#include <string>

namespace gantry {

// Throws UsageError naming the text when it is not a size.
std::int64_t parse_size(const std::string& text);
// A memory size as docker's -m takes it: every unit binary ("256m" = 256 MiB; b, k, m, g, t,
// with or without a trailing b). Throws UsageError naming the text when it is not one.
std::int64_t parse_memory_size(const std::string& text);
// Seconds; throws UsageError naming the text when it is not a duration.
std::int64_t parse_duration(const std::string& text);
std::string human_size(std::int64_t bytes);
// Whole seconds since the epoch, as SOURCE_DATE_EPOCH gives them ("1700000000"); throws
// UsageError naming `what` and the text when it is anything else.
std::int64_t parse_epoch_seconds(const std::string& what, const std::string& text);

}  // namespace gantry
