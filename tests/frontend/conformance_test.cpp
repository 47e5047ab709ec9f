// Runs BuildKit's parser and shell-expansion conformance data (../shared/conformance, read at
// test time) through gantry's parser and shell lexer and compares the results byte for byte.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/error.h"
#include "base/file_util.h"
#include "frontend/dockerfile/parser.h"
#include "frontend/dockerfile/shell_lexer.h"

namespace gantry::frontend {
namespace {

namespace fs = std::filesystem;

const fs::path kConformance = GANTRY_CONFORMANCE_DIR;

std::vector<std::string> case_names(const char* set) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(kConformance / "buildkit-parser" / set, ec))
    names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

std::string test_name(const testing::TestParamInfo<std::string>& info) {
  std::string name = info.param;
  for (char& c : name)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return name;
}

TEST(Conformance, DataIsPresent) {
  ASSERT_TRUE(fs::is_directory(kConformance)) << "conformance data missing: " << kConformance;
  EXPECT_EQ(case_names("testfiles").size(), 33u);
  EXPECT_EQ(case_names("testfiles-negative").size(), 4u);
}

class ParserCase : public testing::TestWithParam<std::string> {};

TEST_P(ParserCase, DumpMatchesBuildKit) {
  fs::path dir = kConformance / "buildkit-parser" / "testfiles" / GetParam();
  Ast ast = parse(read_file(dir / "Dockerfile"));
  EXPECT_EQ(ast.dump() + "\n", read_file(dir / "result"));
}

INSTANTIATE_TEST_SUITE_P(BuildKit, ParserCase, testing::ValuesIn(case_names("testfiles")), test_name);

class NegativeParserCase : public testing::TestWithParam<std::string> {};

TEST_P(NegativeParserCase, IsRejectedWithALine) {
  fs::path file = kConformance / "buildkit-parser" / "testfiles-negative" / GetParam() / "Dockerfile";
  try {
    parse(read_file(file), "Dockerfile");
    FAIL() << "parsed without error";
  } catch (const Error& e) {
    EXPECT_TRUE(std::string(e.what()).starts_with("Dockerfile:")) << e.what();
  }
}

INSTANTIATE_TEST_SUITE_P(BuildKit, NegativeParserCase,
                         testing::ValuesIn(case_names("testfiles-negative")), test_name);

TEST(Conformance, LineNumbers) {
  Ast ast = parse(read_file(kConformance / "buildkit-parser" / "testfile-line" / "Dockerfile"));
  EXPECT_EQ(ast.start_line(), 5);
  EXPECT_EQ(ast.end_line(), 31);
  ASSERT_EQ(ast.nodes().size(), 3u);
  std::vector<std::pair<int, int>> lines;
  for (const Node& n : ast.nodes()) lines.emplace_back(n.start_line, n.end_line);
  EXPECT_EQ(lines, (std::vector<std::pair<int, int>>{{5, 5}, {11, 12}, {17, 31}}));
}

std::string trim(std::string s) {
  s.erase(0, s.find_first_not_of(" \t\r\n"));
  s.erase(s.find_last_not_of(" \t\r\n") + 1);
  return s;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> parts;
  std::string part;
  std::istringstream in(s);
  while (std::getline(in, part, sep)) parts.push_back(part);
  if (!s.empty() && s.back() == sep) parts.push_back("");
  return parts;
}

TEST(Conformance, EnvVarTest) {
  std::ifstream in(kConformance / "buildkit-shell" / "envVarTest");
  ASSERT_TRUE(in) << "cannot read envVarTest";
  ShellEnv env{{"PWD", "/home"}, {"SHELL", "bash"}, {"KOREAN", "한국어"}, {"NULL", ""}};
  ShellLexer lexer;
  std::string line;
  int cases = 0, line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (trim(line).empty() || line[0] == '#') continue;
    auto fields = split(line, '|');
    ASSERT_EQ(fields.size(), 3u) << "envVarTest:" << line_no;
    std::string platform = trim(fields[0]);
    if (platform == "W") continue;
    std::string input = trim(fields[1]), expected = trim(fields[2]);
    ++cases;
    if (expected == "error") {
      EXPECT_THROW(lexer.process_word(input, env), Error) << "envVarTest:" << line_no << ": " << input;
      continue;
    }
    try {
      EXPECT_EQ(lexer.process_word(input, env), expected) << "envVarTest:" << line_no << ": " << input;
    } catch (const Error& e) {
      ADD_FAILURE() << "envVarTest:" << line_no << ": " << e.what();
    }
  }
  EXPECT_EQ(cases, 228);
}

TEST(Conformance, WordsTest) {
  std::ifstream in(kConformance / "buildkit-shell" / "wordsTest");
  ASSERT_TRUE(in) << "cannot read wordsTest";
  ShellEnv env;
  ShellLexer lexer;
  std::string line;
  int cases = 0, line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.starts_with("#")) continue;
    if (line.starts_with("ENV ")) {
      std::string entry = line.substr(4);
      entry.erase(0, entry.find_first_not_of(' '));
      auto eq = entry.find('=');
      env[entry.substr(0, eq)] = entry.substr(eq + 1);
      continue;
    }
    auto bar = line.find('|');
    ASSERT_NE(bar, std::string::npos) << "wordsTest:" << line_no;
    std::string input = trim(line.substr(0, bar));
    std::string expected_text = line.substr(bar + 1);
    expected_text.erase(0, expected_text.find_first_not_of(' '));
    auto expected = split(expected_text, ',');
    std::vector<std::string> got;
    try {
      got = lexer.process_words(input, env);
    } catch (const Error&) {
      got = {"error"};
    }
    ++cases;
    EXPECT_EQ(got, expected) << "wordsTest:" << line_no << ": " << input;
  }
  EXPECT_EQ(cases, 24);
}

}  // namespace
}  // namespace gantry::frontend
