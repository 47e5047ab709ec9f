// Image references: "[registry[:port]/]path[:tag][@sha256:...]", as docker's reference grammar
// parses them. "busybox" is docker.io/library/busybox:latest and "user/app" docker.io/user/app;
// index.docker.io and registry-1.docker.io are docker.io too. familiar() gives back the short
// form users type, and that short form is the name gantry's local store keys images by. With
// both a tag and a digest ("app:1@sha256:..."), the digest is what names the image.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/digest.h"

namespace gantry {

struct ImageRef {
  std::string registry;  // "docker.io", "127.0.0.1:5000", "localhost"
  std::string path;      // "library/busybox", "team/app"
  std::string tag;       // "latest" when neither tag nor digest was given
  std::optional<Digest> digest;

  // Throws UsageError naming the text and what is wrong with it: an uppercase repository
  // ("repository name must be lowercase"), a path component that is not lowercase alphanumerics
  // joined by '.', '_', '__' or '-', a bad tag, digest or registry host.
  static ImageRef parse(std::string_view text);

  // "busybox:latest", "127.0.0.1:5000/team/app:1", "localhost/busybox:latest"
  std::string familiar() const;
  // "docker.io/library/busybox:latest"
  std::string canonical() const;
  // registry + path without tag or digest: "docker.io/library/busybox"
  std::string repository() const { return registry + "/" + path; }
};

}  // namespace gantry
