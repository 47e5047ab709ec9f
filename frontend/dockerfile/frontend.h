// The Dockerfile frontend's entry point: a Dockerfile and its build options in, an llb graph
// and the target stage's image config out.
//
//   BuildPlan plan = lower({.dockerfile = text, .resolve_image = resolver});
//   llb::Definition def = llb::marshal(plan.root);   // deterministic for the same inputs
//
// Contract with the solver and exporter:
// - FROM <named context>: its image's source, or a copy of its directory onto scratch.
// - FROM <image>: source "docker-image://<ref>@<manifest digest>" (the stage platform's
//   manifest, never an index); FROM scratch: a scratch Output; FROM <stage>: that stage's Output,
//   config and platform. Only stages the target needs are lowered, each once.
// - The build context is one source "local://context" with attrs "exclude" (JSON array of the
//   .dockerignore patterns) and "followpaths" (JSON array of the context paths the build reads).
// - COPY/ADD: FileOp, dest_input 0 = the stage, src_input 1 = the context (or the --from
//   Output); paths absolute. RUN: ExecOp, mounts[0] = {input 0, "/", output 0}, extra mount
//   inputs after it. WORKDIR: FileOp mkdir.
// - Each ExecOp/FileOp on a stage's chain adds one history entry with "empty_layer": false;
//   config-only instructions add entries with "empty_layer": true; base history first.
// - image_config is the OCI image config without "created" and without "rootfs".
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/digest.h"
#include "base/platform.h"
#include "frontend/dockerfile/build_checks.h"
#include "frontend/dockerfile/outline.h"
#include "llb/llb.h"

namespace gantry::frontend {

struct ImageInfo {
  std::string ref;          // canonical name, e.g. "busybox:latest"
  Digest manifest_digest;   // pins the source op
  nlohmann::json config;    // the whole OCI image config JSON (config, history, rootfs)
};

// Resolves FROM / COPY --from=<image> refs to the image for `platform` (the manifest an index
// has for it; an image of another platform is returned as it is, for the caller to judge);
// throws gantry::Error naming the ref when unknown.
using ImageResolver = std::function<ImageInfo(const std::string& ref, const Platform& platform)>;

// What a --build-context gives the name it is known by (named_context.h): an image, with its
// files and config, or a directory, whose files are the source "local://<local_source>" (the
// solver is given the directory under that name). FROM a directory starts from its files and
// an empty config.
struct NamedContext {
  std::optional<ImageInfo> image;
  std::string local_source;
};

// Resolves a --build-context by its name, when the Dockerfile first uses it (an image unused is
// never pulled); throws gantry::Error naming the context when it cannot be had.
using NamedContextResolver = std::function<NamedContext(const std::string& name)>;

struct BuildOptions {
  std::string dockerfile_name = "Dockerfile";    // for messages
  std::string dockerfile;                         // its content
  std::optional<std::string> dockerignore;        // content of .dockerignore, if any
  std::string dockerignore_name = ".dockerignore";  // for messages
  std::string target;                             // "" = last stage
  std::map<std::string, std::string> build_args;  // --build-arg (values already taken from env)
  std::map<std::string, std::string> labels;      // --label
  std::set<std::string> no_cache_stages;          // --no-cache-filter: stage names
  bool no_cache = false;                          // --no-cache
  ImageResolver resolve_image;
  // The platform the image is built for (--platform: TARGETPLATFORM, ...) and the one the build
  // runs on (BUILDPLATFORM, ...). A stage is for its FROM --platform, else for the target
  // platform: its images are resolved for it, its config says it, and its RUN steps' ExecOps
  // name it when it is not the build platform (they run emulated then).
  Platform target_platform = host_platform();
  Platform build_platform = host_platform();
  // --build-context names (as named_context_key gives them): each stands for its context
  // wherever FROM, COPY --from or RUN --mount=from names it, before any image of that name,
  // and a stage of that name is replaced by it, as in BuildKit.
  std::set<std::string> named_contexts;
  NamedContextResolver resolve_named_context;
  // Where the build checks' warnings go (see build_checks.h); null: no checks run. lower()
  // sets its config from `# check=` or the BUILDKIT_DOCKERFILE_CHECK build arg, and fills it
  // as far as it gets, also when it fails.
  CheckReport* checks = nullptr;
  // Every stage is lowered, not only those the target needs, so that all are checked
  // (--check without --target); the plan is still the target's.
  bool all_stages = false;
};

struct BuildPlan {
  llb::Output root;                    // the target stage's filesystem
  nlohmann::json image_config;         // OCI config for the target stage
  std::vector<std::string> warnings;   // "Dockerfile:3: ..." lines
  Outline outline;                     // what the target reads (--call=outline)
};

// Errors are gantry::Error "<dockerfile_name>:<line>: <what is wrong>".
BuildPlan lower(const BuildOptions& options);

}  // namespace gantry::frontend
