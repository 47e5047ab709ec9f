#include "llb/llb.h"

#include <gtest/gtest.h>

#include "llb/definition.h"

namespace gantry::llb {

namespace {
Output busybox() {
  return source(SourceOp{.identifier = "docker-image://busybox@sha256:" + std::string(64, 'a')});
}

Output run(Output base, std::string cmd, OpMetadata meta = {}) {
  ExecOp op;
  op.args = {"/bin/sh", "-c", std::move(cmd)};
  op.mounts.push_back(Mount{.input = 0, .dest = "/", .output = 0});
  return exec(std::move(op), {std::move(base)}, std::move(meta));
}
}  // namespace

TEST(Llb, SameGraphGivesSameDigest) {
  EXPECT_EQ(run(busybox(), "echo hi").node->digest, run(busybox(), "echo hi").node->digest);
  EXPECT_NE(run(busybox(), "echo hi").node->digest, run(busybox(), "echo ho").node->digest);
}

TEST(Llb, MetadataIsNotPartOfTheDigest) {
  auto a = run(busybox(), "true", {.description = "RUN true", .location = "Dockerfile:2"});
  auto b = run(busybox(), "true", {.description = "other", .location = "Dockerfile:9"});
  EXPECT_EQ(a.node->digest, b.node->digest);
}

TEST(Llb, InputDigestsChangeTheDigest) {
  auto other = source(SourceOp{.identifier = "docker-image://alpine@sha256:" + std::string(64, 'b')});
  EXPECT_NE(run(busybox(), "true").node->digest, run(other, "true").node->digest);
}

TEST(Llb, MarshalDeduplicatesAndOrdersInputsFirst) {
  auto base = busybox();
  auto a = run(base, "a");
  auto b = run(base, "b");
  auto m = merge({a, b});
  auto def = marshal(m);
  ASSERT_EQ(def.nodes.size(), 4u);
  EXPECT_EQ(def.nodes.front()->digest, base.node->digest);
  EXPECT_EQ(def.nodes.back()->digest, m.node->digest);
  EXPECT_EQ(marshal(m).digest(), def.digest());
}

TEST(Llb, JsonAndDotNameEveryNode) {
  auto def = marshal(run(busybox(), "echo hi", {.description = "RUN echo hi"}));
  auto j = to_json(def);
  ASSERT_EQ(j["nodes"].size(), 2u);
  EXPECT_EQ(j["nodes"][1]["op"]["exec"]["args"][2], "echo hi");
  auto dot = to_dot(def);
  EXPECT_NE(dot.find("RUN echo hi"), std::string::npos);
  EXPECT_NE(dot.find("->"), std::string::npos);
}

TEST(Llb, ScratchInputsEncodeAsNull) {
  FileOp op;
  op.actions.push_back(FileMkfile{.path = "/a", .data = "x"});
  auto f = file(op, {});
  auto enc = canonical_encoding(f.node->op, {Output{}});
  EXPECT_NE(enc.find("null"), std::string::npos);
}

}  // namespace gantry::llb
