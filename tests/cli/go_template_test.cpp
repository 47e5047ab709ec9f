#include "cli/format/go_template.h"

#include <gtest/gtest.h>

#include "base/error.h"

namespace gantry::cli {
namespace {

using nlohmann::json;

const json kImage = json::parse(R"({
  "Id": "sha256:abc",
  "Size": 1234,
  "Ratio": 0.5,
  "Empty": "",
  "Config": {"Env": ["PATH=/bin", "A=1"], "Labels": {"b": "2", "a": "1"}, "User": "", "Cmd": null}
})");

std::string render(const std::string& text, const json& data = kImage) { return GoTemplate(text).render(data); }

// The message of the UsageError the template throws, parsing or rendering.
std::string error_of(const std::string& text, const json& data = kImage) {
  try {
    render(text, data);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}

TEST(GoTemplate, TextAndFields) {
  EXPECT_EQ(render("id={{.Id}} size={{.Size}}"), "id=sha256:abc size=1234");
  EXPECT_EQ(render("{{.Config.User}}|"), "|");
  EXPECT_EQ(render("no actions"), "no actions");
}

TEST(GoTemplate, PrintsValuesAsGoDoes) {
  EXPECT_EQ(render("{{.Config.Env}}"), "[PATH=/bin A=1]");
  EXPECT_EQ(render("{{.Config.Labels}}"), "map[a:1 b:2]");
  EXPECT_EQ(render("{{.Ratio}}"), "0.5");
  EXPECT_EQ(render("{{.}}", json(true)), "true");
  EXPECT_EQ(render("{{.}}", json(1e6)), "1e+06");
  EXPECT_EQ(render("{{.}}", json::parse(R"([1, null, {"k": [2]}])")), "[1 <nil> map[k:[2]]]");
}

TEST(GoTemplate, MissingFieldIsNoValue) {
  EXPECT_EQ(render("{{.Nope}}"), "<no value>");
  EXPECT_EQ(render("{{.Config.Nope}}"), "<no value>");
  EXPECT_EQ(render("{{.Config.Cmd}}"), "<no value>");
  EXPECT_EQ(render("{{.Nope.Deeper}}"), "<no value>");
}

TEST(GoTemplate, Json) {
  EXPECT_EQ(json::parse(render("{{json .Config}}")), kImage["Config"]);
  EXPECT_EQ(json::parse(render("{{json .}}")), kImage);
  EXPECT_EQ(render("{{json .Id}}"), "\"sha256:abc\"");
  EXPECT_EQ(render("{{.Config.Env | json}}"), R"(["PATH=/bin","A=1"])");
}

TEST(GoTemplate, JsonKeepsTheOrderOfOrderedDataAndPrintingAndRangeSortAsGoDoesAMap) {
  // Ordered data stands for a Go struct, whose fields json writes in their order.
  const auto data = nlohmann::ordered_json::parse(R"({"Config": {"User": "u", "Env": ["A=1"], "Cmd": ["sh"]}})");
  const GoTemplate json_config("{{json .Config}}");
  EXPECT_EQ(json_config.render(data), R"({"User":"u","Env":["A=1"],"Cmd":["sh"]})");
  EXPECT_EQ(GoTemplate("{{.Config}}").render(data), "map[Cmd:[sh] Env:[A=1] User:u]");
  EXPECT_EQ(GoTemplate("{{range .Config}}{{.}};{{end}}").render(data), "[sh];[A=1];u;");
}

TEST(GoTemplate, ZeroValuesStandInForFieldsTheDataLeavesOut) {
  const auto data = nlohmann::ordered_json::parse(R"({"Config": {"Cmd": ["sh"]}, "Os": "linux"})");
  const auto zeros = nlohmann::ordered_json::parse(R"({"Config": {"User": "", "Env": [], "Labels": {}}, "Os": ""})");
  EXPECT_EQ(GoTemplate("{{.Config.User}}|{{.Config.Env}}|{{.Config.Labels}}|{{.Os}}|{{.Config.Cmd}}").render(data, zeros),
            "|[]|map[]|linux|[sh]");
  EXPECT_EQ(GoTemplate("{{.Config.Nope}}|{{json .Config}}").render(data, zeros), R"(<no value>|{"Cmd":["sh"]})");
  // Only from the top: a range's element has no zero values.
  EXPECT_EQ(GoTemplate("{{range .Config.Cmd}}{{.}}{{end}}").render(data, zeros), "sh");
}

TEST(GoTemplate, Index) {
  EXPECT_EQ(render(R"({{index .Config.Labels "a"}})"), "1");
  EXPECT_EQ(render(R"({{index .Config.Labels "zz"}})"), "<no value>");
  EXPECT_EQ(render("{{index .Config.Env 1}}"), "A=1");
  EXPECT_EQ(render(R"({{index . "Config" "Env" 0}})"), "PATH=/bin");
  EXPECT_NE(error_of("{{index .Config.Env 5}}").find("index out of range: 5"), std::string::npos);
}

TEST(GoTemplate, Range) {
  EXPECT_EQ(render("{{range .Config.Env}}<{{.}}>{{end}}"), "<PATH=/bin><A=1>");
  EXPECT_EQ(render("{{range .Config.Labels}}{{.}},{{end}}"), "1,2,");  // by sorted key, as Go ranges a map
  EXPECT_EQ(render("{{range .Config.Cmd}}x{{else}}none{{end}}"), "none");
  EXPECT_NE(error_of("{{range .Size}}{{end}}").find("range can't iterate over 1234"), std::string::npos);
}

TEST(GoTemplate, IfElse) {
  EXPECT_EQ(render("{{if .Config.Env}}yes{{else}}no{{end}}"), "yes");
  EXPECT_EQ(render("{{if .Empty}}yes{{else}}no{{end}}"), "no");
  EXPECT_EQ(render("{{if .Nope}}yes{{end}}"), "");
  EXPECT_EQ(render("{{if .Empty}}a{{else if .Size}}b{{else}}c{{end}}"), "b");
  EXPECT_EQ(render("{{if .Empty}}a{{else if .Nope}}b{{else}}c{{end}}"), "c");
}

TEST(GoTemplate, Functions) {
  EXPECT_EQ(render(R"({{join .Config.Env ","}})"), "PATH=/bin,A=1");
  EXPECT_EQ(render(R"({{lower "AbC"}} {{upper .Id}})"), "abc SHA256:ABC");
  EXPECT_EQ(render(R"({{printf "%s is %d bytes, %v%%" .Id .Size .Config.Env}})"), "sha256:abc is 1234 bytes, [PATH=/bin A=1]%");
  EXPECT_EQ(render(R"({{.Id | upper | printf "<%s>"}})"), "<SHA256:ABC>");
  EXPECT_NE(error_of(R"({{printf "%x" .Size}})").find("verb %x is not supported"), std::string::npos);
}

TEST(GoTemplate, Comments) {
  EXPECT_EQ(render("a{{/* the id */}}b {{- /* trimmed */ -}} c"), "abc");
  EXPECT_EQ(error_of("{{/* open }}"), "template `{{/* open }}`: 1:3: unclosed comment");
}

TEST(GoTemplate, TrimMarkers) {
  EXPECT_EQ(render("a  {{- .Id -}}  \n b"), "asha256:abcb");
  EXPECT_EQ(render("{{range .Config.Env -}}\n  {{.}}\n{{- end}}"), "PATH=/binA=1");
  EXPECT_EQ(render("{{-3}}", json(nullptr)), "-3");  // no space: a negative number, not a trim marker
}

TEST(GoTemplate, MalformedTemplatesNameTemplateAndPosition) {
  EXPECT_EQ(error_of("{{.Id}} {{nope .Id}}"), "template `{{.Id}} {{nope .Id}}`: 1:11: function \"nope\" not defined");
  EXPECT_EQ(error_of("a\nb {{.Id"), "template `a\nb {{.Id`: 2:3: unclosed action");
  EXPECT_EQ(error_of("{{range .Config.Env}}x"), "template `{{range .Config.Env}}x`: 1:3: missing {{end}} for {{range}}");
  EXPECT_EQ(error_of("{{end}}"), "template `{{end}}`: 1:3: unexpected {{end}}");
  EXPECT_EQ(error_of("{{}}"), "template `{{}}`: 1:3: missing value for command");
  EXPECT_EQ(error_of("{{.Id .Size}}"), "template `{{.Id .Size}}`: 1:7: can't give argument to non-function");
  EXPECT_EQ(error_of("{{with .Id}}{{end}}"), "template `{{with .Id}}{{end}}`: 1:3: {{with}} is not supported");
  EXPECT_EQ(error_of("{{.Id.Foo}}"), "template `{{.Id.Foo}}`: 1:3: can't evaluate field Foo in type string");
  EXPECT_EQ(error_of(R"({{join .Id ","}})"), "template `{{join .Id \",\"}}`: 1:3: join: wants a list, not string");
}

}  // namespace
}  // namespace gantry::cli
