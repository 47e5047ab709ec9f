// Lowering of COPY/ADD --link, as BuildKit's dockerfile2llb lowers it: the copy is a file op on
// scratch, merged on top of the stage by a merge op, so that its node (and so its cache key)
// does not depend on anything the stage did before it.
#include <gtest/gtest.h>

#include "base/error.h"
#include "frontend/dockerfile/frontend.h"
#include "llb/definition.h"

namespace gantry::frontend {
namespace {

ImageInfo busybox(const std::string& ref, const Platform& = host_platform()) {
  if (ref != "busybox") throw Error("image " + ref + ": not found");
  nlohmann::json config = {{"architecture", "amd64"}, {"os", "linux"}, {"config", {{"Env", {"PATH=/bin"}}}}};
  return {"busybox:latest", Digest::from_hex(std::string(64, 'a')), config};
}

BuildPlan lower_text(const std::string& dockerfile) {
  return lower({.dockerfile = dockerfile, .resolve_image = busybox});
}

std::string error_of(const std::string& dockerfile) {
  try {
    lower_text(dockerfile);
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

// The copy a --link step merges: input 1 of the merge at the root.
const llb::Output& linked_layer(const BuildPlan& plan) {
  EXPECT_TRUE(std::holds_alternative<llb::MergeOp>(plan.root.node->op));
  EXPECT_EQ(plan.root.node->inputs.size(), 2u);
  return plan.root.node->inputs.at(1);
}

llb::FileCopy only_copy(const llb::Output& layer) {
  const auto& op = std::get<llb::FileOp>(layer.node->op);
  EXPECT_EQ(op.actions.size(), 1u);
  return std::get<llb::FileCopy>(op.actions.at(0));
}

TEST(CopyLink, TheCopyIsMadeOnScratchAndMergedOnTopOfTheStage) {
  const BuildPlan plan = lower_text("FROM busybox\nRUN echo 1 > /a\nCOPY --link f /f\n");
  const llb::Output& layer = linked_layer(plan);
  const llb::Output& stage = plan.root.node->inputs.at(0);
  EXPECT_TRUE(std::holds_alternative<llb::ExecOp>(stage.node->op)) << "the stage so far is below";
  ASSERT_TRUE(std::holds_alternative<llb::FileOp>(layer.node->op));
  EXPECT_EQ(std::get<llb::FileOp>(layer.node->op).dest_input, 0);
  EXPECT_TRUE(layer.node->inputs.at(0).is_scratch()) << "the copy reads nothing of the stage";
  EXPECT_EQ(only_copy(layer).dest, "/f");

  // Both carry the step's number and line; the merge is named as BuildKit names it.
  EXPECT_EQ(layer.node->meta.description, "[3/3] COPY --link f /f");
  EXPECT_EQ(plan.root.node->meta.description, "[3/3] LINK COPY --link f /f");
  EXPECT_EQ(plan.root.node->meta.location, "Dockerfile:3");
  EXPECT_EQ(layer.node->meta.location, "Dockerfile:3");

  // One step, one layer, in the history as without --link.
  const auto& history = plan.image_config["history"];
  ASSERT_FALSE(history.empty());
  EXPECT_EQ(history.back()["created_by"], "COPY f /f # buildkit");
  EXPECT_EQ(history.back()["empty_layer"], false);
}

TEST(CopyLink, TheCopiedLayerIsTheSameNodeWhateverCameBeforeIt) {
  const BuildPlan one = lower_text("FROM busybox\nRUN echo 1 > /a\nCOPY --link f /f\n");
  const BuildPlan two = lower_text("FROM busybox\nRUN echo 2 > /a\nCOPY --link f /f\n");
  EXPECT_EQ(linked_layer(one).node->digest, linked_layer(two).node->digest);
  EXPECT_NE(one.root.node->digest, two.root.node->digest) << "the merge is over the changed stage";

  const BuildPlan plain_one = lower_text("FROM busybox\nRUN echo 1 > /a\nCOPY f /f\n");
  const BuildPlan plain_two = lower_text("FROM busybox\nRUN echo 2 > /a\nCOPY f /f\n");
  EXPECT_NE(plain_one.root.node->digest, plain_two.root.node->digest);
  EXPECT_TRUE(std::holds_alternative<llb::FileOp>(plain_one.root.node->op)) << "no merge without --link";
  EXPECT_TRUE(std::holds_alternative<llb::FileOp>(
      lower_text("FROM busybox\nCOPY --link=false f /f\n").root.node->op));
}

TEST(CopyLink, EveryKindOfCopyLinksAddAndHeredocsToo) {
  const BuildPlan add = lower_text("FROM busybox\nADD --link --chmod=755 a.tar /opt/\n");
  const llb::FileCopy unpack = only_copy(linked_layer(add));
  EXPECT_TRUE(unpack.unpack_archive);
  EXPECT_EQ(unpack.mode, 0755u) << "--chmod is applied, and still linked";

  const BuildPlan heredoc = lower_text("FROM busybox\nCOPY --link <<EOF /etc/motd\nhi\nEOF\n");
  const auto& op = std::get<llb::FileOp>(linked_layer(heredoc).node->op);
  ASSERT_EQ(op.actions.size(), 1u);
  EXPECT_EQ(std::get<llb::FileMkfile>(op.actions[0]).path, "/etc/motd");

  const BuildPlan from = lower_text("FROM busybox AS b\nRUN touch /x\nFROM busybox\nCOPY --link --from=b /x /y\n");
  EXPECT_TRUE(linked_layer(from).node->inputs.at(0).is_scratch());
  EXPECT_FALSE(linked_layer(from).node->inputs.at(1).is_scratch()) << "it copies from the other stage";

  // FROM scratch: still a merge, of nothing and the layer.
  const BuildPlan on_scratch = lower_text("FROM scratch\nCOPY --link f /f\n");
  EXPECT_TRUE(on_scratch.root.node->inputs.at(0).is_scratch());
}

TEST(CopyLink, ARelativeOrEmptyDestinationIsInTheWorkingDirectory) {
  // The copy cannot see that the working directory is a directory: the destination says so.
  EXPECT_EQ(only_copy(linked_layer(lower_text("FROM busybox\nWORKDIR /var/www\nCOPY --link f .\n"))).dest,
            "/var/www/");
  EXPECT_EQ(only_copy(linked_layer(lower_text("FROM busybox\nWORKDIR /var/www\nENV E=\"\"\nCOPY --link f $E\n"))).dest,
            "/var/www/");
  EXPECT_EQ(only_copy(linked_layer(lower_text("FROM busybox\nWORKDIR /var/www\nCOPY --link f sub/g\n"))).dest,
            "/var/www/sub/g");
}

TEST(CopyLink, ChownTakesNumbersAndRootButNoNames) {
  const llb::FileCopy numeric = only_copy(linked_layer(lower_text("FROM busybox\nCOPY --link --chown=1000:50 f /f\n")));
  ASSERT_TRUE(numeric.chown);
  EXPECT_EQ(numeric.chown->user, "1000");
  EXPECT_EQ(numeric.chown->group, "50");
  const llb::FileCopy root = only_copy(linked_layer(lower_text("FROM busybox\nCOPY --link --chown=root:root f /f\n")));
  ASSERT_TRUE(root.chown);
  EXPECT_EQ(root.chown->user, "0");
  EXPECT_EQ(root.chown->group, "0");

  EXPECT_EQ(error_of("FROM busybox\nCOPY --link --chown=nobody f /f\n"),
            "Dockerfile:2: --chown with --link: the user \"nobody\" is a name, and a --link copy cannot read the "
            "stage's /etc/passwd to look it up; give a number");
  EXPECT_EQ(error_of("FROM busybox\nARG G=users\nADD --link --chown=1:$G f /f\n"),
            "Dockerfile:3: --chown with --link: the group \"users\" is a name, and a --link copy cannot read the "
            "stage's /etc/group to look it up; give a number");
  // Without --link the names are looked up in the stage, as before.
  EXPECT_EQ(error_of("FROM busybox\nCOPY --chown=nobody f /f\n"), "(no error)");
}

}  // namespace
}  // namespace gantry::frontend
