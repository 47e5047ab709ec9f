// Hostile Dockerfiles at the frontend's own interfaces: the bounds it sets (nesting depth) fail
// with one readable line, and inputs that used to take quadratic time still give the same results.
// (The end-to-end checks of the same inputs are in tests/e2e/hostile_frontend_test.cpp; their
// timings are in bench/frontend.)
#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "base/error.h"
#include "frontend/dockerfile/dockerignore.h"
#include "frontend/dockerfile/frontend.h"
#include "frontend/dockerfile/instructions.h"
#include "frontend/dockerfile/parser.h"
#include "frontend/dockerfile/shell_lexer.h"
#include "tests/frontend/hostile_dockerfiles.h"

namespace gantry::frontend {
namespace {

using hostile::nested_defaults;
using hostile::stage_chain;

TEST(HostileInput, NestingUpToTheBoundExpands) {
  EXPECT_EQ(ShellLexer().process_word(nested_defaults(100), {}), "x");
  EXPECT_EQ(ShellLexer().process_word(nested_defaults(100), {{"a", "set"}}), "set");
}

TEST(HostileInput, NestingPastTheBoundIsOneShortError) {
  for (int depth : {101, 9000}) {
    try {
      ShellLexer().process_word(nested_defaults(depth), {});
      FAIL() << "no error at depth " << depth;
    } catch (const Error& e) {
      std::string what = e.what();
      EXPECT_NE(what.find("${...} nested more than 100 levels deep"), std::string::npos) << what;
      EXPECT_LT(what.size(), 400u) << "the word is cut in the message";
      EXPECT_EQ(what.find('\n'), std::string::npos);
    }
  }
}

TEST(HostileInput, LongWordsAreCutInErrorsAtARuneBoundary) {
  // An unterminated quote, with a two-byte rune across the 200th byte.
  std::string word = "'" + std::string(198, 'a') + "\xC3\xA9" + std::string(500, 'b');
  try {
    ShellLexer().process_word(word, {});
    FAIL() << "no error";
  } catch (const Error& e) {
    std::string expected = "failed to process \"'" + std::string(198, 'a') + "\xC3\xA9\"... (" +
                           std::to_string(word.size()) +
                           " bytes): unexpected end of statement while looking for matching single-quote";
    EXPECT_EQ(e.what(), expected);
  }
}

BuildPlan lower_text(const std::string& dockerfile) {
  BuildOptions options;
  options.dockerfile = dockerfile;
  return lower(options);
}

TEST(HostileInput, StageChainsUpToTheBoundLower) {
  for (bool copy_from : {false, true}) {
    BuildPlan plan = lower_text(stage_chain(256, copy_from));
    int depth = 0;
    for (const llb::Node* n = plan.root.node.get(); n && !n->inputs.empty(); n = n->inputs.back().node.get())
      ++depth;
    EXPECT_EQ(depth, copy_from ? 255 : 0);
  }
}

TEST(HostileInput, StageChainsPastTheBoundAreOneLineNamingTheStage) {
  for (bool copy_from : {false, true}) {
    for (int stages : {257, 8000}) {
      try {
        lower_text(stage_chain(stages, copy_from));
        FAIL() << "no error for " << stages << " stages";
      } catch (const Error& e) {
        // The first stage past the bound, counted back from the target: its FROM line.
        int past = stages - 257;
        int line = copy_from && past > 0 ? 2 * past : past + 1;
        EXPECT_EQ(std::string(e.what()), "Dockerfile:" + std::to_string(line) +
                                             ": stage needed through a chain of more than 256 stages "
                                             "(FROM, COPY --from or RUN --mount from another stage)");
      }
    }
  }
}

TEST(HostileInput, ManyIndependentStagesLowerOnlyTheTarget) {
  std::string text;
  for (int i = 0; i < 50000; ++i) text += "FROM scratch AS s" + std::to_string(i) + "\n";
  text += "FROM s0\nCOPY --from=s49999 / /\n";
  BuildPlan plan = lower_text(text);
  ASSERT_TRUE(plan.root.node);
  EXPECT_TRUE(std::holds_alternative<llb::FileOp>(plan.root.node->op));
  EXPECT_THROW(lower_text("FROM scratch AS a\nFROM scratch AS b\nFROM scratch AS A\n"), Error);
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

TEST(HostileInput, GraphsUpTo5000StepsDeepLowerDeeperOnesAreOneLine) {
  std::string steps;
  for (int i = 0; i < 4999; ++i) steps += "WORKDIR /a\n";
  EXPECT_NO_THROW(lower_text("FROM scratch\n" + steps + "RUN x\n"));
  // Counted through the stage a stage builds on, and through COPY --from.
  EXPECT_EQ(error_of([&] { lower_text("FROM scratch AS a\n" + steps + "FROM a\nRUN x\nRUN y\n"); }),
            "Dockerfile:5003: the build is more than 5000 steps deep here (RUN, COPY, ADD and WORKDIR, "
            "through the stages they build on)");
  std::string through_copy =
      error_of([&] { lower_text("FROM scratch AS a\n" + steps + "RUN x\nFROM scratch\nCOPY --from=a / /\n"); });
  EXPECT_TRUE(through_copy.starts_with("Dockerfile:5003: the build is more than 5000 steps deep")) << through_copy;
}

TEST(HostileInput, DockerfileLinesThatAreNotTextAreRefusedWithTheirLine) {
  using namespace std::string_literals;
  EXPECT_EQ(error_of([] { parse("FROM a\nENV A=caf\xE9\n"); }),
            "Dockerfile:2: invalid UTF-8 at column 10 (byte 0xe9): a Dockerfile must be UTF-8 text");
  EXPECT_EQ(error_of([] { parse("FROM a\nRUN echo hi\0; rm -rf /x\n"s, "Dockerfile.dev"); }),
            "Dockerfile.dev:2: NUL byte at column 12: a Dockerfile must be UTF-8 text");
  EXPECT_EQ(error_of([] { parse("FROM a\nRUN echo \\\n  b\xC3\n"); }),
            "Dockerfile:3: invalid UTF-8 at column 4 (byte 0xc3): a Dockerfile must be UTF-8 text");
  EXPECT_EQ(error_of([] { parse("FROM a\nCOPY <<EOF /x\nok\n\0\nEOF\n"s); }),
            "Dockerfile:4: NUL byte at column 1: a Dockerfile must be UTF-8 text");
  // Comments are never read: they may hold anything, as in BuildKit.
  Ast ast = parse("# caf\xE9\0\nFROM a\nRUN a \\\n# \xFF\n  b\n"s);
  EXPECT_EQ(ast.nodes().size(), 2u);
  // Valid UTF-8 of every width passes.
  EXPECT_EQ(parse("FROM a\nLABEL x=\xC3\xA9\xE2\x98\x83\xF0\x9F\x90\xB3\n").nodes().size(), 2u);
}

TEST(HostileInput, JsonNulCharacterIsRefusedWhereItWouldBecomeAnArgument) {
  Ast ast = parse("FROM a\nRUN [\"sh\", \"-c\", \"echo hi\\u0000; evil\"]\n");  // the AST keeps it, as BuildKit's
  EXPECT_EQ(error_of([&] { parse_instruction(ast, ast.nodes()[1], "Dockerfile"); }),
            "Dockerfile:2: NUL character (\\u0000) in the argument \"echo hi\\x00; evil\"");
}

TEST(HostileInput, DockerignoreLinesThatAreNotTextAreRefusedWithTheirLine) {
  using namespace std::string_literals;
  EXPECT_EQ(error_of([] { read_dockerignore("ok\n# \xFF is a comment\nbad\xFF\n"); }),
            ".dockerignore:3: invalid UTF-8 at column 4 (byte 0xff): a .dockerignore must be UTF-8 text");
  EXPECT_EQ(error_of([] { read_dockerignore("a\0b\n"s, "Dockerfile.dockerignore"); }),
            "Dockerfile.dockerignore:1: NUL byte at column 2: a .dockerignore must be UTF-8 text");
  BuildOptions options;
  options.dockerfile = "FROM scratch\n";
  options.dockerignore = "x\n\xC0\x80\n";  // an overlong NUL
  options.dockerignore_name = "Dockerfile.dockerignore";
  EXPECT_EQ(error_of([&] { lower(options); }),
            "Dockerfile.dockerignore:2: invalid UTF-8 at column 1 (byte 0xc0): a .dockerignore must be UTF-8 text");
}

TEST(HostileInput, DockerignorePatternsUpToPathMaxAreMatchedLongerOnesRefused) {
  std::string longest = "d/" + std::string(4093, '?') + "x";
  DockerignoreMatcher matcher(read_dockerignore(longest + "\n"));
  EXPECT_TRUE(matcher.excluded("d/" + std::string(4094, 'x')));
  EXPECT_FALSE(matcher.excluded("d/" + std::string(4094, 'y')));
  EXPECT_EQ(error_of([] { read_dockerignore("ok\n!" + std::string(500000, '*') + "\n"); }),
            ".dockerignore:2: a pattern of 500000 bytes, longer than any path (4096 bytes)");
}

TEST(HostileInput, BuildArgsAndLabelsThatAreNotTextAreUsageErrors) {
  BuildOptions options;
  options.dockerfile = "FROM scratch\nARG A\nLABEL a=$A\n";
  options.build_args = {{"A", "x\xFF"}};
  EXPECT_THROW(lower(options), UsageError);
  EXPECT_EQ(error_of([&] { lower(options); }), "--build-arg \"A\": invalid UTF-8 at column 2 (byte 0xff)");
  options.build_args = {};
  options.labels = {{"l\xC3", "v"}};
  EXPECT_EQ(error_of([&] { lower(options); }), "--label \"l\\xc3\": invalid UTF-8 at column 2 (byte 0xc3)");
}

}  // namespace
}  // namespace gantry::frontend
