#include "engine/cache_spec.h"

#include <set>

#include "base/error.h"

namespace gantry::engine {

namespace {

CacheSpec parse(const std::string& text, const std::string& flag, const char* location_key) {
  CacheSpec spec;
  auto bad = [&](const std::string& why) { return UsageError("invalid " + flag + " `" + text + "`: " + why); };
  std::size_t pos = 0;
  while (pos <= text.size()) {
    const std::size_t comma = text.find(',', pos);
    const std::string field = text.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    const auto eq = field.find('=');
    if (eq == std::string::npos || eq == 0) throw bad("`" + field + "` is not key=value");
    spec.attrs[field.substr(0, eq)] = field.substr(eq + 1);
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  spec.type = spec.attrs.count("type") ? spec.attrs.at("type") : "";
  if (spec.type == "registry") {
    if (!spec.attrs.count("ref") || spec.attrs.at("ref").empty()) throw bad("type=registry needs ref=");
    spec.location = spec.attrs.at("ref");
  } else if (spec.type == "local") {
    if (!spec.attrs.count(location_key) || spec.attrs.at(location_key).empty())
      throw bad(std::string("type=local needs ") + location_key + "=");
    spec.location = spec.attrs.at(location_key);
  } else if (spec.type == "inline" && flag == "--cache-to") {
    // Into the image's own config: nothing more to say.
  } else if (spec.type == "inline") {
    throw bad("type=inline is for --cache-to; read an inline cache with type=registry,ref=IMAGE");
  } else if (spec.type == "gha" || spec.type == "s3" || spec.type == "azblob") {
    throw bad("type=" + spec.type + " is not supported (registry, local, inline)");
  } else {
    throw bad(spec.type.empty() ? "type= is required" : "unknown type `" + spec.type + "` (registry, local, inline)");
  }
  // A key nothing reads would be an option accepted and ignored (BuildKit's ignore-error=,
  // oci-mediatypes=, ... are not implemented): each type takes its own keys only.
  const bool to = flag == "--cache-to";
  std::set<std::string> known{"type"};
  if (spec.type == "registry") known.insert("ref");
  if (spec.type == "local") known.insert(location_key);
  if (to && spec.type != "inline") known.insert({"mode", "compression"});
  for (const auto& [key, value] : spec.attrs)
    if (!known.count(key)) {
      std::string keys;
      for (const auto& k : known) keys += (keys.empty() ? "" : ", ") + k;
      throw bad("unknown key `" + key + "` (type=" + spec.type + " takes " + keys + ")");
    }
  if (auto mode = spec.attrs.find("mode"); mode != spec.attrs.end() && mode->second != "min" && mode->second != "max")
    throw bad("mode must be min or max");
  if (auto c = spec.attrs.find("compression");
      c != spec.attrs.end() && c->second != "gzip" && c->second != "zstd" && c->second != "uncompressed")
    throw bad("compression must be gzip, zstd or uncompressed");
  return spec;
}

}  // namespace

exporter::PackOptions CacheSpec::pack_options() const {
  exporter::PackOptions pack;
  if (auto c = attrs.find("compression"); c != attrs.end())
    pack.compression = c->second == "zstd"           ? exporter::Compression::Zstd
                       : c->second == "uncompressed" ? exporter::Compression::Uncompressed
                                                     : exporter::Compression::Gzip;
  return pack;
}

CacheSpec parse_cache_from(const std::string& text) {
  if (text.find('=') == std::string::npos) return parse("type=registry,ref=" + text, "--cache-from", "src");
  return parse(text, "--cache-from", "src");
}

CacheSpec parse_cache_to(const std::string& text) { return parse(text, "--cache-to", "dest"); }

}  // namespace gantry::engine
