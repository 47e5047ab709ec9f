// What `--call=outline` and `--call=targets` show of a Dockerfile, as BuildKit's frontend
// answers those requests: the stages one can build (with the description comment above each
// FROM), and for one target the build args it reads (with defaults and the description comment
// above each ARG), and the secrets and SSH agents its RUN steps mount.
//
// A description is the comment right above the instruction that starts with the name it
// describes: `# GO_VERSION sets the Go version` describes ARG GO_VERSION as "sets the Go
// version".
//
//   std::vector<BuildTarget> stages = list_targets(text, "Dockerfile");
//   BuildPlan plan = lower(options);  plan.outline.args ...
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace gantry::frontend {

struct BuildTarget {
  std::string name;  // "" for a stage without AS
  std::string description;
  std::string base;      // the FROM image as written
  std::string platform;  // --platform as written
  bool is_default = false;  // the last stage, built without --target
  int line = 0;
};

struct OutlineArg {
  std::string name;
  std::string value;  // its default, or the --build-arg given; "" for none
  std::string description;
  int line = 0;
};

struct OutlineMount {  // a secret or SSH agent a RUN step mounts
  std::string id;
  bool required = false;
  int line = 0;
};

struct Outline {
  std::string name;  // the target stage's name ("" for an unnamed one)
  std::string description;
  std::vector<OutlineArg> args;  // in the order of their lines
  std::vector<OutlineMount> secrets;
  std::vector<OutlineMount> ssh;
};

// The stages of a Dockerfile, in order. Errors as parse() throws them.
std::vector<BuildTarget> list_targets(std::string dockerfile, std::string_view file_name);

// The description of `name` among the comment lines above its instruction, or "".
std::string description_of(std::string_view name, std::span<const std::string> comments);

}  // namespace gantry::frontend
