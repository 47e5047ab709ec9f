// The columns UTF-8 text takes on a terminal or in a table, counted as characters: each byte
// but a continuation byte (10xxxxxx) starts one. Wide (East Asian) characters count as one, as
// docker's tables count them.
#pragma once

#include <cstddef>
#include <string_view>

namespace gantry {

std::size_t utf8_columns(std::string_view text);

// How many bytes the first `columns` characters of `text` take (all of it when it has fewer).
std::size_t utf8_prefix_bytes(std::string_view text, std::size_t columns);

}  // namespace gantry
