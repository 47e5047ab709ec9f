// Table tests, in our own words, for behaviour BuildKit documents without data files:
// heredocs, variable expansion forms, instruction/flag checks and .dockerignore matching.
#include <gtest/gtest.h>

#include "base/error.h"
#include "frontend/dockerfile/dockerignore.h"
#include "frontend/dockerfile/instructions.h"
#include "frontend/dockerfile/parser.h"
#include "frontend/dockerfile/shell_lexer.h"

namespace gantry::frontend {
namespace {

TEST(Heredoc, BodyTerminatorAndLines) {
  Ast ast = parse("FROM a\nRUN <<EOF\necho hi\nEOF\nRUN true\n");
  ASSERT_EQ(ast.nodes().size(), 3u);
  const Node& run = ast.nodes()[1];
  ASSERT_EQ(ast.heredocs(run).size(), 1u);
  EXPECT_EQ(ast.heredocs(run)[0].name, "EOF");
  EXPECT_EQ(ast.heredocs(run)[0].content, "echo hi\n");
  EXPECT_TRUE(ast.heredocs(run)[0].expand);
  EXPECT_EQ(run.start_line, 2);
  EXPECT_EQ(run.end_line, 4);
}

TEST(Heredoc, QuotedTerminatorDisablesExpansionAndDashStripsTabs) {
  Ast ast = parse("FROM a\nCOPY <<-\"X\" <<'Y' /dst/\n\tone $A\n\tX\ntwo\nY\n");
  auto docs = ast.heredocs(ast.nodes()[1]);
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_FALSE(docs[0].expand);
  EXPECT_TRUE(docs[0].chomp);
  EXPECT_EQ(docs[1].content, "two\n");
  Instruction ins = parse_instruction(ast, ast.nodes()[1], "Dockerfile");
  const auto& copy = std::get<CopyInstruction>(ins.body);
  EXPECT_TRUE(copy.sources.empty());
  ASSERT_EQ(copy.inline_files.size(), 2u);
  EXPECT_EQ(copy.inline_files[0].data, "one $A\n");
}

TEST(Heredoc, UnterminatedIsAnErrorWithTheLine) {
  EXPECT_THROW(parse("FROM a\nRUN <<EOF\nno end\n"), Error);
  try {
    parse("FROM a\nRUN <<EOF\nno end\n");
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "Dockerfile:2: unterminated heredoc");
  }
}

TEST(Heredoc, JsonFormHasNoHeredocs) {
  Ast ast = parse("FROM a\nRUN [\"cat\", \"<<EOF\"]\nEOF\n");
  EXPECT_EQ(ast.nodes().size(), 3u);
}

struct ExpansionCase {
  const char* input;
  const char* expected;
};

TEST(Expansion, DocumentedForms) {
  ShellEnv env{{"V", "foo/bar/baz.tar.gz"}, {"EMPTY", ""}, {"X", "x"}, {"TARGETARCH", "arm64"},
               {"TARGETVARIANT", "v8"}, {"TARGETOS", "linux"}, {"VERSION", "1.0"}};
  const ExpansionCase cases[] = {
      {"${V#*/}", "bar/baz.tar.gz"},     {"${V##*/}", "baz.tar.gz"},
      {"${V%.*}", "foo/bar/baz.tar"},    {"${V%%.*}", "foo/bar/baz"},
      {"${V/bar/qux}", "foo/qux/baz.tar.gz"}, {"${V//a/A}", "foo/bAr/bAz.tAr.gz"},
      {"${V#}", "foo/bar/baz.tar.gz"},   {"${V///}", "foo/bar/baz.tar.gz"},
      {"${EMPTY:-d}", "d"},              {"${EMPTY-d}", ""},
      {"${UNSET-d}", "d"},               {"${X:+set}", "set"},
      {"${EMPTY+set}", "set"},           {"${UNSET+set}", ""},
      {"${X:?msg}", "x"},                {"${V#\\*}", "foo/bar/baz.tar.gz"},
      {"'$X' \"$X\" \\$X", "$X x $X"},
      {"something-${VERSION}.${TARGETOS}-${TARGETARCH}${TARGETVARIANT:+-${TARGETVARIANT}}.tar.gz",
       "something-1.0.linux-arm64-v8.tar.gz"},
  };
  ShellLexer lexer;
  for (const auto& c : cases) EXPECT_EQ(lexer.process_word(c.input, env), c.expected) << c.input;
}

TEST(Expansion, ErrorsCarryTheMessage) {
  ShellEnv env{{"EMPTY", ""}, {"ARG", "x"}};
  ShellLexer lexer;
  try {
    lexer.process_word("${UNSET?message here$ARG}", env);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("UNSET: message herex"), std::string::npos) << e.what();
  }
  EXPECT_THROW(lexer.process_word("${EMPTY:?}", env), Error);
  EXPECT_NO_THROW(lexer.process_word("${EMPTY?}", env));
  for (const char* bad : {"${V=x}", "${V:=x}", "${V:#x}", "${V:%x}", "${V//}", "${V//ww}"})
    EXPECT_THROW(lexer.process_word(bad, env), Error) << bad;
}

Instruction first_after_from(const std::string& text) {
  Ast ast = parse("FROM a\n" + text);
  return parse_instruction(ast, ast.nodes()[1], "Dockerfile");
}

std::string error_of(const std::string& text) {
  try {
    first_after_from(text);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(Instructions, FlagsAreCheckedWithSuggestions) {
  EXPECT_EQ(error_of("COPY --chwon=1 a b\n"), "Dockerfile:2: unknown flag: --chwon (did you mean --chown?)");
  EXPECT_EQ(error_of("RUN --network=foo true\n"),
            "Dockerfile:2: invalid --network value: foo (expected default, none or host)");
  EXPECT_EQ(error_of("COPY --from a b\n"), "Dockerfile:2: missing a value on flag: --from");
  EXPECT_EQ(error_of("COPY --link=maybe a b\n"), "Dockerfile:2: expecting boolean value for flag --link, not: maybe");
  EXPECT_EQ(error_of("COPY a\n"),
            "Dockerfile:2: COPY requires at least two arguments, but only one was provided. Destination could not be determined.");
  EXPECT_EQ(error_of("SHELL /bin/bash\n"), "Dockerfile:2: SHELL requires the arguments to be in JSON form");
  EXPECT_EQ(error_of("ONBUILD FROM x\n"), "Dockerfile:2: FROM isn't allowed as an ONBUILD trigger");
  EXPECT_EQ(error_of("HEALTHCHECK --interval=1us CMD true\n"), "Dockerfile:2: --interval cannot be less than 1ms");
  EXPECT_EQ(error_of("HEALTHCHECK FOO\n"), "Dockerfile:2: Unknown type \"FOO\" in HEALTHCHECK (try CMD)");
}

TEST(Instructions, EveryKindParses) {
  auto run = std::get<RunInstruction>(first_after_from(
      "RUN --mount=type=cache,target=/c --mount=type=tmpfs,target=/t --network=none --security=insecure make\n").body);
  EXPECT_EQ(run.mounts.size(), 2u);
  EXPECT_EQ(run.network, "none");
  EXPECT_EQ(run.security, "insecure");
  auto copy = std::get<CopyInstruction>(first_after_from(
      "COPY --from=b --chown=1:1 --chmod=755 --link --parents --exclude=*.o --exclude=*.a x y /d/\n").body);
  EXPECT_EQ(copy.from, "b");
  EXPECT_TRUE(copy.link && copy.parents);
  EXPECT_EQ(copy.excludes, (std::vector<std::string>{"*.o", "*.a"}));
  EXPECT_EQ(copy.sources, (std::vector<std::string>{"x", "y"}));
  auto add = std::get<CopyInstruction>(first_after_from("ADD --checksum=sha256:00 --keep-git-dir https://x/y /d\n").body);
  EXPECT_TRUE(add.is_add && add.keep_git_dir);
  auto hc = std::get<HealthcheckInstruction>(first_after_from(
      "HEALTHCHECK --interval=1m30s --timeout=5s --start-period=2s --start-interval=1s --retries=3 CMD [\"true\"]\n").body);
  EXPECT_EQ(hc.interval_ns, 90'000'000'000);
  EXPECT_EQ(hc.retries, 3);
  EXPECT_EQ(hc.test, (std::vector<std::string>{"CMD", "true"}));
  EXPECT_TRUE(std::get<HealthcheckInstruction>(first_after_from("HEALTHCHECK NONE\n").body).none);
  auto env = std::get<EnvInstruction>(first_after_from("ENV A=1 B=\"2 3\"\n").body);
  ASSERT_EQ(env.vars.size(), 2u);
  EXPECT_EQ(env.vars[1].value, "\"2 3\"");
  auto legacy = std::get<EnvInstruction>(first_after_from("ENV A b c\n").body);
  EXPECT_EQ(legacy.vars[0].value, "b c");
  EXPECT_EQ(std::get<ArgInstruction>(first_after_from("ARG A=1 B\n").body).args.size(), 2u);
  EXPECT_EQ(std::get<MaintainerInstruction>(first_after_from("MAINTAINER me\n").body).name, "me");
  EXPECT_EQ(std::get<OnbuildInstruction>(first_after_from("ONBUILD RUN x\n").body).expression, "RUN x");
  EXPECT_EQ(std::get<StopSignalInstruction>(first_after_from("STOPSIGNAL SIGKILL\n").body).signal, "SIGKILL");
  EXPECT_FALSE(std::get<CmdInstruction>(first_after_from("CMD [\"a\"]\n").body).shell_form);
  EXPECT_TRUE(std::get<EntrypointInstruction>(first_after_from("ENTRYPOINT a b\n").body).shell_form);
  auto from = std::get<FromInstruction>(parse_instruction(parse("FROM --platform=linux/amd64 x AS Build\n"),
                                                          parse("FROM --platform=linux/amd64 x AS Build\n").nodes()[0],
                                                          "Dockerfile").body);
  EXPECT_EQ(from.stage_name, "build");
  EXPECT_EQ(from.platform, "linux/amd64");
}

TEST(Parser, DirectivesBomCrlfAndEscape) {
  Ast ast = parse("\xEF\xBB\xBF# escape=`\r\n# syntax=x\r\nFROM a\r\nRUN echo `\r\n  hi\r\n");
  EXPECT_EQ(ast.escape(), '`');
  EXPECT_EQ(ast.dump(), "(from \"a\")\n(run \"echo   hi\")");
  EXPECT_EQ(ast.directives().size(), 2u);
  EXPECT_THROW(parse("# escape=x\nFROM a\n"), Error);
  EXPECT_THROW(parse("# syntax=a\n# syntax=b\nFROM a\n"), Error);
}

std::vector<std::string> strings(WordList words) { return {words.begin(), words.end()}; }

// Continuation lines are joined in place in the source: the joined text, its words and every
// instruction after it (including heredoc bodies read after it) must read as written.
TEST(Parser, ContinuationsJoinedInPlace) {
  Ast ast = parse(
      "FROM a\n"
      "RUN --mount=type=cache,target=/c echo one \\\n"
      "# a comment inside\n"
      "\n"
      "    two \\\n"
      "  three\n"
      "COPY \\\n"
      "  <<EOF /dst\n"
      "body $X\n"
      "EOF\n"
      "ENV \\\n"
      "  A=1 B=2\n"
      "LABEL x=y\n");
  auto nodes = ast.nodes();
  ASSERT_EQ(nodes.size(), 5u);
  EXPECT_EQ(ast.keyword(nodes[1]), "RUN");
  EXPECT_EQ(ast.original(nodes[1]), "RUN --mount=type=cache,target=/c echo one     two   three");
  EXPECT_EQ(strings(ast.flags(nodes[1])), std::vector<std::string>{"--mount=type=cache,target=/c"});
  EXPECT_EQ(strings(ast.args(nodes[1])), std::vector<std::string>{"echo one     two   three"});
  EXPECT_EQ(nodes[1].start_line, 2);
  EXPECT_EQ(nodes[1].end_line, 6);
  EXPECT_EQ(ast.original(nodes[2]), "COPY   <<EOF /dst");
  ASSERT_EQ(ast.heredocs(nodes[2]).size(), 1u);
  EXPECT_EQ(ast.heredocs(nodes[2])[0].name, "EOF");
  EXPECT_EQ(ast.heredocs(nodes[2])[0].content, "body $X\n");
  EXPECT_EQ(strings(ast.args(nodes[3])), (std::vector<std::string>{"A", "1", "=", "B", "2", "="}));
  EXPECT_EQ(ast.dump(),
            "(from \"a\")\n"
            "(run [\"--mount=type=cache,target=/c\"] \"echo one     two   three\")\n"
            "(copy \"<<EOF\" \"/dst\")\n"
            "(env \"A\" \"1\" \"=\" \"B\" \"2\" \"=\")\n"
            "(label \"x\" \"y\" \"=\")");
  EXPECT_EQ(ast.warnings().size(), 1u);  // the empty continuation line
}

// Text that is not a substring of the source (decoded JSON escapes, flags with quotes removed,
// CRLF heredoc bodies) is kept beside it; the rest points into it.
TEST(Parser, TextOutsideTheSource) {
  Ast ast = parse(
      "FROM a\r\n"
      "CMD [\"plain\", \"tab\\there\", \"\\u00e9\", \"\"]\r\n"
      "COPY --chown=\"a b\" --from=x <<EOF /d\r\n"
      "crlf line\r\n"
      "EOF\r\n"
      "RUN <<'E\"X' cat\n"
      "lf line\n"
      "E\"X\n");
  auto nodes = ast.nodes();
  ASSERT_EQ(nodes.size(), 4u);
  EXPECT_TRUE(nodes[1].json);
  EXPECT_EQ(strings(ast.args(nodes[1])),
            (std::vector<std::string>{"plain", "tab\there", "\xC3\xA9", ""}));
  EXPECT_EQ(strings(ast.flags(nodes[2])), (std::vector<std::string>{"--chown=a b", "--from=x"}));
  ASSERT_EQ(ast.heredocs(nodes[2]).size(), 1u);
  EXPECT_EQ(ast.heredocs(nodes[2])[0].content, "crlf line\n");
  ASSERT_EQ(ast.heredocs(nodes[3]).size(), 1u);
  EXPECT_EQ(ast.heredocs(nodes[3])[0].name, "E\"X");
  EXPECT_FALSE(ast.heredocs(nodes[3])[0].expand);
  EXPECT_EQ(ast.heredocs(nodes[3])[0].content, "lf line\n");

  Ast moved = std::move(ast);  // views stay valid across moves, even of a short source
  EXPECT_EQ(moved.args(moved.nodes()[1])[1], "tab\there");
  EXPECT_EQ(moved.keyword(moved.nodes()[0]), "FROM");
}

TEST(Parser, OnbuildSubInstructionAndItsHeredocs) {
  Ast ast =
      parse("FROM a\nONBUILD RUN <<EOF\necho hi\nEOF\nONBUILD COPY [\"a\", \"b\"]\nONBUILD\n");
  auto nodes = ast.nodes();
  ASSERT_EQ(nodes.size(), 4u);
  const Node* sub = ast.sub(nodes[1]);
  ASSERT_NE(sub, nullptr);
  EXPECT_TRUE(ast.args(nodes[1]).empty());
  EXPECT_EQ(ast.keyword(*sub), "RUN");
  EXPECT_EQ(ast.original(*sub), "RUN <<EOF");
  ASSERT_EQ(ast.heredocs(nodes[1]).size(), 1u);
  EXPECT_EQ(ast.heredocs(nodes[1])[0].content, "echo hi\n");
  ASSERT_NE(ast.sub(nodes[2]), nullptr);
  EXPECT_TRUE(ast.sub(nodes[2])->json);
  EXPECT_EQ(strings(ast.args(*ast.sub(nodes[2]))), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(ast.sub(nodes[3]), nullptr);
  EXPECT_EQ(ast.dump(),
            "(from \"a\")\n(onbuild (run \"<<EOF\"))\n(onbuild (copy \"a\" \"b\"))\n(onbuild)");
}

TEST(Dockerignore, BuildKitSemantics) {
  auto patterns = read_dockerignore("# comment\n*.log\n!keep.log\n/build\n**/tmp\ndocs/**/*.md\n\n");
  EXPECT_EQ(patterns, (std::vector<std::string>{"*.log", "!keep.log", "build", "**/tmp", "docs/**/*.md"}));
  DockerignoreMatcher m(patterns);
  EXPECT_TRUE(m.excluded("a.log"));
  EXPECT_FALSE(m.excluded("keep.log"));
  EXPECT_FALSE(m.excluded("sub/a.log"));  // `*` does not cross '/'
  EXPECT_TRUE(m.excluded("build/x/y.o"));  // a parent directory matches
  EXPECT_TRUE(m.excluded("tmp"));
  EXPECT_TRUE(m.excluded("a/b/tmp/c"));
  EXPECT_TRUE(m.excluded("docs/README.md"));
  EXPECT_TRUE(m.excluded("docs/x/y/z.md"));
  EXPECT_FALSE(m.excluded("docs/x/y/z.txt"));
  EXPECT_FALSE(m.excluded("src/main.c"));
}

// Whether a walk must look inside an excluded directory: BuildKit's (fsutil's) rule.
TEST(Dockerignore, AnExceptionBelowAnExcludedDirectoryIsLookedFor) {
  DockerignoreMatcher plain(read_dockerignore("build/\n*.log\n"));
  EXPECT_FALSE(plain.may_reinclude_below("build"));

  DockerignoreMatcher keep(read_dockerignore("build/\n!build/keep.txt\n!docs/**\n"));
  EXPECT_TRUE(keep.excluded("build/other.txt"));
  EXPECT_FALSE(keep.excluded("build/keep.txt"));
  EXPECT_TRUE(keep.may_reinclude_below("build"));
  EXPECT_FALSE(keep.may_reinclude_below("build/sub"));
  EXPECT_FALSE(keep.may_reinclude_below("bui"));
  EXPECT_TRUE(keep.may_reinclude_below("docs")) << "a trailing /** is still a prefix";

  DockerignoreMatcher wild(read_dockerignore("build/\n!build/*/keep.txt\n"));
  EXPECT_TRUE(wild.may_reinclude_below("anything")) << "a wildcard exception could match anywhere";
}

}  // namespace
}  // namespace gantry::frontend
