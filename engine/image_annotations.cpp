#include "engine/image_annotations.h"

#include "base/error.h"

namespace gantry::engine {

namespace {

// "manifest" or "manifest[linux/amd64]" -> the level's map in `into`; nullptr for a level
// buildx does not know. `where` names the value in errors.
AnnotationMap* level_of(ImageAnnotations& into, std::string level, const std::string& where) {
  if (auto open = level.find('['); open != std::string::npos) {
    if (!level.ends_with("]")) throw UsageError(where + ": `" + level + "` is not LEVEL[PLATFORM]");
    try {
      into.platforms.emplace_back(where, Platform::parse(level.substr(open + 1, level.size() - open - 2)));
    } catch (const UsageError& e) {
      throw UsageError(where + ": " + e.what());
    }
    level.resize(open);
  }
  if (level == "manifest" || level.empty()) return &into.manifest;
  if (level == "manifest-descriptor") return &into.manifest_descriptor;
  if (level == "index") return &into.index;
  if (level == "index-descriptor") return &into.index_descriptor;
  return nullptr;
}

}  // namespace

bool ImageAnnotations::empty() const {
  return manifest.empty() && manifest_descriptor.empty() && index.empty() && index_descriptor.empty();
}

void ImageAnnotations::merge(const ImageAnnotations& other) {
  for (const auto& [k, v] : other.manifest) manifest[k] = v;
  for (const auto& [k, v] : other.manifest_descriptor) manifest_descriptor[k] = v;
  for (const auto& [k, v] : other.index) index[k] = v;
  for (const auto& [k, v] : other.index_descriptor) index_descriptor[k] = v;
  platforms.insert(platforms.end(), other.platforms.begin(), other.platforms.end());
}

std::string ImageAnnotations::first_key_of(const AnnotationMap& level) const {
  const std::string key = level.empty() ? "" : level.begin()->first;
  if (&level == &manifest_descriptor) return "annotation-manifest-descriptor." + key;
  if (&level == &index) return "annotation-index." + key;
  if (&level == &index_descriptor) return "annotation-index-descriptor." + key;
  return "annotation." + key;
}

ImageAnnotations parse_annotation_flags(const std::vector<std::string>& values) {
  ImageAnnotations out;
  for (const std::string& value : values) {
    const std::string where = "invalid --annotation `" + value + "`";
    const auto eq = value.find('=');
    if (eq == std::string::npos || eq == 0) throw UsageError(where + ": not [TYPE:]KEY=VALUE");
    const std::string name = value.substr(0, eq);
    const std::string text = value.substr(eq + 1);
    const auto colon = name.find(':');
    const std::string key = colon == std::string::npos ? name : name.substr(colon + 1);
    if (key.empty()) throw UsageError(where + ": no key");
    if (colon == std::string::npos) {
      out.manifest[key] = text;
      continue;
    }
    // "manifest,index:KEY=V" puts it at both levels.
    const std::string levels = name.substr(0, colon);
    for (std::size_t pos = 0; pos <= levels.size();) {
      const auto comma = levels.find(',', pos);
      const std::string level = levels.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
      AnnotationMap* into = level.empty() ? nullptr : level_of(out, level, where);
      if (!into)
        throw UsageError(where + ": unknown annotation type `" + level +
                         "` (manifest, manifest-descriptor, index, index-descriptor)");
      (*into)[key] = text;
      if (comma == std::string::npos) break;
      pos = comma + 1;
    }
  }
  return out;
}

bool add_annotation_attribute(ImageAnnotations& into, const std::string& key, const std::string& value) {
  if (!key.starts_with("annotation")) return false;
  // annotation.KEY, annotation-LEVEL.KEY, annotation-LEVEL[PLATFORM].KEY: the name ends at the
  // first dot after any platform (a platform has no dot, a key may).
  const auto close = key.find(']');
  const auto dot = key.find('.', close == std::string::npos ? 0 : close);
  if (dot == std::string::npos) return false;
  const std::string prefix = key.substr(0, dot);
  if (prefix != "annotation" && !prefix.starts_with("annotation-") && !prefix.starts_with("annotation[")) return false;
  const std::string name = key.substr(dot + 1);
  const std::string where = "invalid --output key `" + key + "`";
  if (name.empty()) throw UsageError(where + ": no annotation key after the dot");
  const std::string level = prefix == "annotation" ? "" : prefix.substr(prefix[10] == '-' ? 11 : 10);
  AnnotationMap* map = level_of(into, level, where);
  if (!map)
    throw UsageError(where + ": unknown annotation type `" + level +
                     "` (annotation, annotation-manifest, annotation-manifest-descriptor, annotation-index, "
                     "annotation-index-descriptor)");
  (*map)[name] = value;
  return true;
}

void check_annotation_platforms(const ImageAnnotations& annotations, const Platform& built) {
  for (const auto& [where, platform] : annotations.platforms)
    if (!(platform == built))
      throw UsageError(where + ": platform `" + platform.str() + "`: the build is for " + built.str());
}

}  // namespace gantry::engine
