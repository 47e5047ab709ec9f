// Any bytes as a Dockerfile: parsed, each instruction typed, the whole file lowered to a build
// graph with the build checks on every stage (every FROM image resolves to a small busybox-like
// config) and the graph and image config serialized as the CLI does. Each step must succeed or
// throw gantry::Error: any other exception (a raw library error the user would see) or a crash
// is a finding.
#include <cstddef>
#include <cstdint>
#include <string>

#include "base/error.h"
#include "frontend/dockerfile/frontend.h"
#include "frontend/dockerfile/instructions.h"
#include "frontend/dockerfile/parser.h"
#include "llb/definition.h"

namespace {

using namespace gantry::frontend;

ImageInfo any_image(const std::string& ref, const gantry::Platform&) {
  nlohmann::json config = {
      {"architecture", "amd64"},
      {"os", "linux"},
      {"config", {{"Env", {"PATH=/bin", "HOME=/root"}}, {"Cmd", {"sh"}}, {"OnBuild", {"RUN echo $HOME"}}}},
      {"history", {{{"created_by", "base"}}}}};
  return {ref, gantry::Digest::from_hex(std::string(64, 'a')), config};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  try {
    Ast ast = parse(text);
    (void)ast.dump();
    for (const Node& n : ast.nodes()) {
      try {
        (void)parse_instruction(ast, n, "Dockerfile");
      } catch (const gantry::Error&) {
      }
    }
  } catch (const gantry::Error&) {
  }
  try {
    BuildOptions options;
    options.dockerfile = text;
    options.build_args = {{"A", "1"}, {"HTTP_PROXY", "http://proxy"}};
    options.resolve_image = any_image;
    // The build checks too, on every stage, as --check runs them.
    CheckReport checks;
    options.checks = &checks;
    options.all_stages = true;
    BuildPlan plan = lower(options);
    for (const CheckWarning& w : checks.warnings()) (void)w.short_text();
    (void)plan.image_config.dump();
    (void)gantry::llb::to_json(gantry::llb::marshal(plan.root)).dump();
  } catch (const gantry::Error&) {
  }
  return 0;
}
