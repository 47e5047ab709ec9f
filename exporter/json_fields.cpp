#include "exporter/json_fields.h"

#include "base/error.h"

namespace gantry::exporter {

using nlohmann::json;

std::string string_member(const json& object, std::string_view key) {
  if (!object.is_object()) return "";
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

json parse_json(std::string_view text, const std::string& what) {
  try {
    return json::parse(text);
  } catch (const json::parse_error& e) {
    throw Error(what + ": not valid JSON (at byte " + std::to_string(e.byte) + ")");
  }
}

}  // namespace gantry::exporter
