// RFC 3339 times, as image configs write them ("2024-01-02T03:04:05.123456789Z") and as docker's
// clients pass dates to --since, --until and until= filters.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace gantry {

// Nanoseconds since the epoch of "YYYY-MM-DDTHH:MM:SS[.FRACTION](Z|+HH:MM|-HH:MM)"; nothing when
// `text` is not such a time.
std::optional<std::int64_t> parse_rfc3339_nanos(std::string_view text);

}  // namespace gantry
