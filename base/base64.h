// Base64 (RFC 4648, standard alphabet, with padding): docker config.json's "auth", HTTP Basic
// authorization, and the bytes of BuildKit's progress logs.
#pragma once

#include <string>
#include <string_view>

namespace gantry {

std::string base64_encode(std::string_view data);
// Throws Error on malformed input; the text is never quoted in it (it is most often a password).
std::string base64_decode(std::string_view text);

}  // namespace gantry
