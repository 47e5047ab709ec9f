// The JSON of images and archives comes from anyone: a value of the wrong type or text that is
// not JSON is a one-line error naming the thing at fault, never the JSON library's own message.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace gantry::exporter {

// `object[key]` when `object` is an object and that member a string; "" otherwise.
std::string string_member(const nlohmann::json& object, std::string_view key);

// `object[key]` when `object` is an object and that member a boolean; false otherwise.
bool bool_member(const nlohmann::json& object, std::string_view key);

// `object[key]` when `object` is an object and that member an array; an empty array otherwise.
nlohmann::json array_member(const nlohmann::json& object, std::string_view key);

// `object[key]` when `object` is an object and that member an object; an empty object otherwise.
nlohmann::json object_member(const nlohmann::json& object, std::string_view key);

// `text` parsed; throws Error "<what>: not valid JSON (at byte N)".
nlohmann::json parse_json(std::string_view text, const std::string& what);

}  // namespace gantry::exporter
