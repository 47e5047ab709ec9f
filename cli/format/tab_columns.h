// docker's table layout: rows whose cells end in tabs, aligned as Go's text/tabwriter aligns
// them with docker's settings (minimum width 10, padding 3, spaces). A column's width is that of
// its widest cell in the block of consecutive lines that have the column; a line's last cell,
// after its last tab, is not aligned.
#pragma once

#include <string>

namespace gantry::cli {

// `text` (lines ending in '\n') with every tab expanded so columns line up.
std::string align_tab_columns(const std::string& text);

}  // namespace gantry::cli
