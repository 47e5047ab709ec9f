// Decides whether an instruction's arguments are in exec (JSON) form, as Go's encoding/json
// decides it: the text must be one valid JSON value; an array of strings is exec form, any
// other valid JSON is an error, and anything invalid is shell form.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace gantry::frontend {

enum class JsonArrayResult {
  NotJson,     // not valid JSON (or not an array): the caller falls back to shell form
  NotStrings,  // valid JSON, but not an array of strings: an error in the Dockerfile
  Strings,     // an array of strings, decoded into `out`
};

JsonArrayResult parse_json_string_array(std::string_view text, std::vector<std::string>& out);

}  // namespace gantry::frontend
