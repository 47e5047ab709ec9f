// OCI annotations a build puts on its image, by where they go (buildx's four levels):
// `--annotation KEY=V` (or "manifest:KEY=V", "index,manifest-descriptor:KEY=V", ...) and
// `-o type=...,annotation.KEY=V` (or annotation-manifest.KEY, annotation-index.KEY,
// annotation-manifest-descriptor.KEY, annotation-index-descriptor.KEY). A level may name a
// platform as buildx takes it ("manifest[linux/amd64]:KEY=V"), which must be the one the build is
// for (check_annotation_platforms). Each output takes the levels it has and refuses the others
// by name (image_output.h): gantry's images are single-platform, so none has an index.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "base/platform.h"

namespace gantry::engine {

using AnnotationMap = std::map<std::string, std::string>;

struct ImageAnnotations {
  AnnotationMap manifest;             // the image manifest's own "annotations"
  AnnotationMap manifest_descriptor;  // the descriptor naming the manifest (an OCI layout's index.json entry)
  AnnotationMap index;                // an image index's own
  AnnotationMap index_descriptor;     // the descriptor naming the index
  // Each platform a level named ("manifest[linux/arm64]"), with the value or key that named it.
  std::vector<std::pair<std::string, Platform>> platforms;

  bool empty() const;
  // `other`'s value wins where both have a key.
  void merge(const ImageAnnotations& other);
  // The flag spelling of the first key of a level: "annotation-index.KEY", for errors.
  std::string first_key_of(const AnnotationMap& level) const;
};

// `--annotation` values. Throws UsageError naming the value when it is not [TYPES:]KEY=VALUE
// or names an unknown level or a malformed platform.
ImageAnnotations parse_annotation_flags(const std::vector<std::string>& values);

// An --output key: false when `key` is not an annotation key; true when it is one and the
// annotation was added to `into`. Throws UsageError naming the key for an unknown level or a
// malformed platform.
bool add_annotation_attribute(ImageAnnotations& into, const std::string& key, const std::string& value);

// Throws UsageError naming the value or key when a level of `annotations` names another
// platform than `built`, the one the build is for.
void check_annotation_platforms(const ImageAnnotations& annotations, const Platform& built);

}  // namespace gantry::engine
