// `--cache-to` / `--cache-from` values as docker buildx takes them:
//   --cache-to   type=registry,ref=REG/REPO:TAG[,mode=min|max][,compression=gzip|zstd|uncompressed]
//                type=local,dest=DIR[,mode=...][,compression=...]
//                type=inline  (min mode, in the image's config: --cache-from type=registry,ref=IMAGE)
//   --cache-from type=registry,ref=REG/REPO:TAG | type=local,src=DIR | REG/REPO:TAG (a registry ref)
// mode=min (the default) exports the records of the final image's own steps; max exports every
// step the build ran or found cached, intermediate stages too.
#pragma once

#include <map>
#include <string>

#include "exporter/layer.h"

namespace gantry::engine {

struct CacheSpec {
  std::string type;      // registry, local or inline
  std::string location;  // the registry ref, or the directory (empty for inline)
  std::map<std::string, std::string> attrs;  // every key=value given

  bool max_mode() const { return attrs.count("mode") && attrs.at("mode") == "max"; }
  exporter::PackOptions pack_options() const;  // compression (gzip by default)
};

// Throw UsageError naming the flag and the value when it is malformed.
CacheSpec parse_cache_from(const std::string& text);
CacheSpec parse_cache_to(const std::string& text);

}  // namespace gantry::engine
