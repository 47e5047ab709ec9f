// BuildKit's build checks (`docker build --check`): rules a Dockerfile may break and still build,
// each found by the frontend while it reads and lowers the file, and reported as a warning
// naming the rule, its documentation and the line.
//
// Which rules run is set by the `# check=skip=Rule1,Rule2|all;experimental=...;error=true`
// parser directive, or by the BUILDKIT_DOCKERFILE_CHECK build arg in its place, and by a
// `# check=` comment right above one instruction for that instruction alone. With error=true a
// build that broke any rule fails once the Dockerfile is read.
//
//   CheckReport report(parse_check_config("skip=JSONArgsRecommended"), "Dockerfile");
//   report.add(kMaintainerDeprecated, 3, 3, "Maintainer instruction is deprecated ...");
//   for (const CheckWarning& w : report.warnings()) ... w.short_text() ...
//   if (auto failure = report.failure()) throw Error(*failure);
//
// A report is filled from one thread (one lowering) and read once it is done.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace gantry::frontend {

struct CheckRule {
  std::string_view name;         // "StageNameCasing"
  std::string_view description;  // what the rule wants, in a sentence
  std::string_view url;          // its documentation ("" when BuildKit gives none)
  bool experimental = false;     // runs only when experimental= names it
};

// BuildKit's rule set, with its names, descriptions and documentation links.
namespace check_rules {
inline constexpr CheckRule kStageNameCasing{
    "StageNameCasing", "Stage names should be lowercase",
    "https://docs.docker.com/go/dockerfile/rule/stage-name-casing/"};
inline constexpr CheckRule kFromAsCasing{
    "FromAsCasing", "The 'as' keyword should match the case of the 'from' keyword",
    "https://docs.docker.com/go/dockerfile/rule/from-as-casing/"};
inline constexpr CheckRule kNoEmptyContinuation{
    "NoEmptyContinuation", "Empty continuation lines will become errors in a future release",
    "https://docs.docker.com/go/dockerfile/rule/no-empty-continuation/"};
inline constexpr CheckRule kConsistentInstructionCasing{
    "ConsistentInstructionCasing",
    "All commands within the Dockerfile should use the same casing (either upper or lower)",
    "https://docs.docker.com/go/dockerfile/rule/consistent-instruction-casing/"};
inline constexpr CheckRule kDuplicateStageName{
    "DuplicateStageName", "Stage names should be unique",
    "https://docs.docker.com/go/dockerfile/rule/duplicate-stage-name/"};
inline constexpr CheckRule kReservedStageName{
    "ReservedStageName", "Reserved words should not be used as stage names",
    "https://docs.docker.com/go/dockerfile/rule/reserved-stage-name/"};
inline constexpr CheckRule kJSONArgsRecommended{
    "JSONArgsRecommended",
    "JSON arguments recommended for ENTRYPOINT/CMD to prevent unintended behavior related to OS signals",
    "https://docs.docker.com/go/dockerfile/rule/json-args-recommended/"};
inline constexpr CheckRule kMaintainerDeprecated{
    "MaintainerDeprecated",
    "The MAINTAINER instruction is deprecated, use a label instead to define an image author",
    "https://docs.docker.com/go/dockerfile/rule/maintainer-deprecated/"};
inline constexpr CheckRule kUndefinedArgInFrom{
    "UndefinedArgInFrom", "FROM command must use declared ARGs",
    "https://docs.docker.com/go/dockerfile/rule/undefined-arg-in-from/"};
inline constexpr CheckRule kWorkdirRelativePath{
    "WorkdirRelativePath",
    "Relative workdir without an absolute workdir declared within the build can have unexpected "
    "results if the base image changes",
    "https://docs.docker.com/go/dockerfile/rule/workdir-relative-path/"};
inline constexpr CheckRule kUndefinedVar{
    "UndefinedVar", "Variables should be defined before their use",
    "https://docs.docker.com/go/dockerfile/rule/undefined-var/"};
inline constexpr CheckRule kMultipleInstructionsDisallowed{
    "MultipleInstructionsDisallowed",
    "Multiple instructions of the same type should not be used in the same stage",
    "https://docs.docker.com/go/dockerfile/rule/multiple-instructions-disallowed/"};
inline constexpr CheckRule kLegacyKeyValueFormat{
    "LegacyKeyValueFormat", "Legacy key/value format with whitespace separator should not be used",
    "https://docs.docker.com/go/dockerfile/rule/legacy-key-value-format/"};
inline constexpr CheckRule kInvalidBaseImagePlatform{
    "InvalidBaseImagePlatform", "Base image platform does not match expected target platform", ""};
inline constexpr CheckRule kRedundantTargetPlatform{
    "RedundantTargetPlatform",
    "Setting platform to predefined $TARGETPLATFORM in FROM is redundant as this is the default behavior",
    "https://docs.docker.com/go/dockerfile/rule/redundant-target-platform/"};
inline constexpr CheckRule kSecretsUsedInArgOrEnv{
    "SecretsUsedInArgOrEnv", "Sensitive data should not be used in the ARG or ENV commands",
    "https://docs.docker.com/go/dockerfile/rule/secrets-used-in-arg-or-env/"};
inline constexpr CheckRule kInvalidDefaultArgInFrom{
    "InvalidDefaultArgInFrom", "Default value for global ARG results in an empty or invalid base image name",
    "https://docs.docker.com/go/dockerfile/rule/invalid-default-arg-in-from/"};
inline constexpr CheckRule kFromPlatformFlagConstDisallowed{
    "FromPlatformFlagConstDisallowed", "FROM --platform flag should not use a constant value",
    "https://docs.docker.com/go/dockerfile/rule/from-platform-flag-const-disallowed/"};
inline constexpr CheckRule kCopyIgnoredFile{
    "CopyIgnoredFile", "Attempting to Copy file that is excluded by .dockerignore",
    "https://docs.docker.com/go/dockerfile/rule/copy-ignored-file/"};
inline constexpr CheckRule kInvalidDefinitionDescription{
    "InvalidDefinitionDescription",
    "Comment for build stage or argument should follow the format: `# <arg/stage name> <description>`. "
    "If this is not intended to be a description comment, add an empty line or comment between the "
    "instruction and the comment.",
    "https://docs.docker.com/go/dockerfile/rule/invalid-definition-description/", true};
inline constexpr CheckRule kExposeProtoCasing{
    "ExposeProtoCasing", "Protocol in EXPOSE instruction should be lowercase",
    "https://docs.docker.com/go/dockerfile/rule/expose-proto-casing/"};
inline constexpr CheckRule kExposeInvalidFormat{
    "ExposeInvalidFormat",
    "IP address and host-port mapping should not be used in EXPOSE instruction. This will become an "
    "error in a future release",
    "https://docs.docker.com/go/dockerfile/rule/expose-invalid-format/"};
}  // namespace check_rules

// Which rules run and what a broken one does: the value of `# check=` (and of
// BUILDKIT_DOCKERFILE_CHECK).
struct CheckConfig {
  bool skip_all = false;
  std::set<std::string> skip;
  bool experimental_all = false;
  std::set<std::string> experimental;
  bool error = false;  // a broken rule fails the build
};

// Parses "skip=A,B;experimental=C;error=true" (each key at most once, any order, blanks around
// keys and values allowed, "" = the defaults). Throws Error naming the option at fault.
CheckConfig parse_check_config(std::string_view text);

// `base` with the skips and experimental rules of `over` added. As in BuildKit, error= is the
// whole file's setting: a comment above one instruction does not change it.
CheckConfig merge_check_config(const CheckConfig& base, const CheckConfig& over);

struct CheckWarning {
  std::string rule;         // CheckRule::name
  std::string description;  // CheckRule::description
  std::string url;          // CheckRule::url
  std::string message;      // what is wrong here, e.g. "Stage name 'Build' should be lowercase"
  int line = 0;             // where (1-based); 0 when the warning has no place
  int end_line = 0;

  // "Rule: message (line N)", the line buildx prints for each warning after a build.
  std::string short_text() const;
};

class CheckReport {
 public:
  CheckReport() = default;
  CheckReport(CheckConfig config, std::string file_name)
      : config_(std::move(config)), file_name_(std::move(file_name)) {}

  // Records a warning unless the config skips `rule` (or it is experimental and not asked for).
  // `comments`, the lines above the instruction at fault, may hold a `# check=` of its own.
  void add(const CheckRule& rule, int line, int end_line, std::string message,
           const std::vector<std::string>& comments = {});

  const std::string& file_name() const { return file_name_; }
  const CheckConfig& config() const { return config_; }
  // In the order they were found.
  const std::vector<CheckWarning>& warnings() const { return warnings_; }
  // "lint violation found for rules: A, B" when error=true and a rule was broken; else nothing.
  std::optional<std::string> failure() const;

 private:
  CheckConfig config_;
  std::string file_name_;
  std::vector<CheckWarning> warnings_;
};

}  // namespace gantry::frontend
