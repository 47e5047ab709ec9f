#include "exporter/json_fields.h"

#include "base/error.h"

namespace gantry::exporter {

using nlohmann::json;

std::string string_member(const json& object, std::string_view key) {
  if (!object.is_object()) return "";
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

bool bool_member(const json& object, std::string_view key) {
  if (!object.is_object()) return false;
  const auto it = object.find(key);
  return it != object.end() && it->is_boolean() && it->get<bool>();
}

json array_member(const json& object, std::string_view key) {
  if (!object.is_object()) return json::array();
  const auto it = object.find(key);
  return it != object.end() && it->is_array() ? *it : json::array();
}

json object_member(const json& object, std::string_view key) {
  if (!object.is_object()) return json::object();
  const auto it = object.find(key);
  return it != object.end() && it->is_object() ? *it : json::object();
}

json parse_json(std::string_view text, const std::string& what) {
  try {
    return json::parse(text);
  } catch (const json::parse_error& e) {
    throw Error(what + ": not valid JSON (at byte " + std::to_string(e.byte) + ")");
  }
}

}  // namespace gantry::exporter
