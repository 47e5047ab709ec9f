// --output and --annotation values as buildx takes them: every key a type takes, the buildx
// keys gantry refuses by name, quoting, defaults, and where annotations may go.
#include "engine/output_spec.h"

#include <gtest/gtest.h>

#include "base/error.h"

namespace gantry::engine {

namespace {

// The UsageError's message for parsing `text`, or "" when it parsed.
std::string error_of(const std::string& text) {
  try {
    parse_output_spec(text);
    return "";
  } catch (const UsageError& e) {
    return e.what();
  }
}

std::string level_error_of(const std::string& text, const std::vector<std::string>& annotation_flags = {}) {
  try {
    OutputSpec spec = parse_output_spec(text);
    add_annotations(spec, parse_annotation_flags(annotation_flags));
    check_annotation_levels(spec);
    return "";
  } catch (const UsageError& e) {
    return e.what();
  }
}

TEST(OutputSpecTest, BarePathsAndDashAreLocalAndTarToStandardOutput) {
  EXPECT_EQ(parse_output_spec("out").type, "local");
  EXPECT_EQ(parse_output_spec("out").dest, "out");
  const OutputSpec dash = parse_output_spec("-");
  EXPECT_EQ(dash.type, "tar");
  EXPECT_TRUE(dash.to_stdout());
}

TEST(OutputSpecTest, OciAndTarWithoutDestGoToStandardOutputAsBuildx) {
  EXPECT_TRUE(parse_output_spec("type=oci").to_stdout());
  EXPECT_TRUE(parse_output_spec("type=tar").to_stdout());
  EXPECT_TRUE(parse_output_spec("type=docker,dest=-").to_stdout());
  // type=docker without a file is the local store's image (buildx loads it into docker).
  EXPECT_EQ(parse_output_spec("type=docker").dest, "");
}

TEST(OutputSpecTest, TarFalseIsALayoutDirectoryThatNeedsADestination) {
  const OutputSpec layout = parse_output_spec("type=oci,tar=false,dest=dir");
  EXPECT_FALSE(layout.tar);
  EXPECT_TRUE(layout.is_directory());
  EXPECT_FALSE(parse_output_spec("type=docker,tar=false,dest=dir").tar);
  EXPECT_EQ(error_of("type=oci,tar=false"), "invalid --output `type=oci,tar=false`: type=oci,tar=false needs dest=");
  EXPECT_EQ(error_of("type=oci,tar=false,dest=-"),
            "invalid --output `type=oci,tar=false,dest=-`: type=oci,tar=false writes a directory, which cannot go to "
            "standard output");
  EXPECT_EQ(error_of("type=local,dest=-"),
            "invalid --output `type=local,dest=-`: type=local writes a directory, which cannot go to standard output");
  EXPECT_EQ(error_of("type=oci,tar=maybe,dest=x"), "invalid --output value for tar: `maybe` (want true or false)");
}

TEST(OutputSpecTest, NamesAreSplitAtCommasAndMayBeQuotedAsCsv) {
  const OutputSpec quoted = parse_output_spec(R"(type=image,"name=a:1,registry.test/b:2",push=true)");
  EXPECT_EQ(quoted.names, (std::vector<std::string>{"a:1", "registry.test/b:2"}));
  EXPECT_TRUE(quoted.push);
  EXPECT_EQ(parse_output_spec("type=image,name=a:1").names, (std::vector<std::string>{"a:1"}));
  EXPECT_FALSE(parse_output_spec("type=image,name=a:1").push);
  EXPECT_TRUE(parse_output_spec("type=registry,name=a:1").push);
  // Kept in familiar form, as the store names images.
  EXPECT_EQ(parse_output_spec(R"(type=image,"name=docker.io/library/a:1,docker.io/team/b")").names,
            (std::vector<std::string>{"a:1", "team/b:latest"}));
  // A doubled quote inside quotes is one quote.
  EXPECT_EQ(parse_output_spec(R"(type=oci,"dest=a""b")").dest, "a\"b");
  EXPECT_EQ(error_of(R"(type=image,"name=a:1)"), R"(invalid --output `type=image,"name=a:1`: a quote is not closed)");
  EXPECT_EQ(error_of(R"(type=image,name="a:1")"),
            R"(invalid --output `type=image,name="a:1"`: a quote inside `name="a:1"` (quote the whole field))");
  EXPECT_EQ(error_of("type=image,name=a:1,,"), "invalid --output `type=image,name=a:1,,`: `` is not key=value");
  EXPECT_NE(error_of("type=image,name=UPPER:1").find("name `UPPER:1`"), std::string::npos);
  EXPECT_EQ(error_of("type=registry,name=a:1,push=false"),
            "invalid --output `type=registry,name=a:1,push=false`: type=registry always pushes (type=image keeps the "
            "image without pushing)");
}

TEST(OutputSpecTest, KeysAreCaseInsensitiveAsBuildxReadsThem) {
  EXPECT_EQ(parse_output_spec("TYPE=oci, Dest =x.tar").dest, "x.tar");
}

TEST(OutputSpecTest, AnUnknownKeyIsAUsageErrorNamingTheKeyTheTypeAndWhatItTakes) {
  EXPECT_EQ(error_of("type=oci,dest=x,bogus=1"),
            "invalid --output `type=oci,dest=x,bogus=1`: type=oci takes no `bogus` (it takes compression, "
            "compression-level, dest, force-compression, name, oci-mediatypes, tar, annotation.KEY)");
  EXPECT_EQ(error_of("type=local,dest=x,annotation.a=b"),
            "invalid --output `type=local,dest=x,annotation.a=b`: type=local takes no `annotation.a` (it takes dest)");
  EXPECT_EQ(error_of("type=tar,dest=x,name=a"),
            "invalid --output `type=tar,dest=x,name=a`: type=tar takes no `name` (it takes dest)");
  EXPECT_EQ(error_of("type=floppy"),
            "invalid --output `type=floppy`: unknown type `floppy` (image, oci, docker, tar, local, registry)");
}

TEST(OutputSpecTest, BuildxKeysGantryDoesNotImplementAreRefusedByName) {
  for (const auto& [spec, key, type] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"type=image,push-by-digest=true", "push-by-digest", "image"},
           {"type=registry,name=a,unpack=false", "unpack", "registry"},
           {"type=oci,dest=x,rewrite-timestamp=true", "rewrite-timestamp", "oci"},
           {"type=oci,dest=x,oci-artifact=true", "oci-artifact", "oci"},
           {"type=docker,dest=x,compression=zstd", "compression", "docker"},
           {"type=local,dest=x,mode=delete", "mode", "local"},
           {"type=tar,dest=x,platform-split=true", "platform-split", "tar"}})
    EXPECT_EQ(error_of(spec), "invalid --output `" + spec + "`: gantry does not implement buildx's `" + key +
                                  "` for type=" + type);
}

TEST(OutputSpecTest, AnnotationKeysOfEveryLevel) {
  const OutputSpec spec = parse_output_spec(
      "type=oci,dest=x,annotation.a=1,annotation-manifest.b=2,annotation-manifest-descriptor.c=3,"
      "annotation-index.d=4,annotation-index-descriptor.e=5,annotation-manifest[linux/amd64].org.f=6,"
      "annotation[linux/amd64].g=7");
  EXPECT_EQ(spec.annotations.manifest, (AnnotationMap{{"a", "1"}, {"b", "2"}, {"org.f", "6"}, {"g", "7"}}));
  EXPECT_EQ(spec.annotations.manifest_descriptor, (AnnotationMap{{"c", "3"}}));
  EXPECT_EQ(spec.annotations.index, (AnnotationMap{{"d", "4"}}));
  EXPECT_EQ(spec.annotations.index_descriptor, (AnnotationMap{{"e", "5"}}));
  EXPECT_EQ(error_of("type=oci,dest=x,annotation-config.a=1"),
            "invalid --output key `annotation-config.a`: unknown annotation type `config` (annotation, "
            "annotation-manifest, annotation-manifest-descriptor, annotation-index, annotation-index-descriptor)");
  EXPECT_EQ(error_of("type=oci,dest=x,annotation-manifest[linux/arm64/v8/x].a=1"),
            "invalid --output key `annotation-manifest[linux/arm64/v8/x].a`: platform `linux/arm64/v8/x`: not "
            "os/architecture[/variant]");
  // A platform is taken when it is the one built, and refused naming it when it is another.
  const OutputSpec arm = parse_output_spec("type=oci,dest=x,annotation-manifest[linux/aarch64].a=1");
  EXPECT_EQ(arm.annotations.manifest, (AnnotationMap{{"a", "1"}}));
  EXPECT_NO_THROW(check_annotation_platforms(arm.annotations, Platform::parse("linux/arm64")));
  try {
    check_annotation_platforms(arm.annotations, Platform::parse("linux/amd64"));
    FAIL() << "an annotation for linux/arm64 was taken for a linux/amd64 build";
  } catch (const UsageError& e) {
    EXPECT_STREQ(e.what(), "invalid --output key `annotation-manifest[linux/aarch64].a`: platform `linux/arm64`: "
                           "the build is for linux/amd64");
  }
}

TEST(OutputSpecTest, AnnotationFlagsTakeBuildxsTypedForms) {
  const ImageAnnotations a = parse_annotation_flags(
      {"plain=1", "manifest:m=2", "index:i=3", "manifest-descriptor:md=4", "index-descriptor:id=5",
       "manifest,index:both=6", "manifest[linux/amd64]:p=7", "url=https://x.test/a=b"});
  EXPECT_EQ(a.manifest, (AnnotationMap{{"plain", "1"}, {"m", "2"}, {"both", "6"}, {"p", "7"}, {"url", "https://x.test/a=b"}}));
  EXPECT_EQ(a.index, (AnnotationMap{{"i", "3"}, {"both", "6"}}));
  EXPECT_EQ(a.manifest_descriptor, (AnnotationMap{{"md", "4"}}));
  EXPECT_EQ(a.index_descriptor, (AnnotationMap{{"id", "5"}}));
  for (const auto& [value, message] : std::vector<std::pair<std::string, std::string>>{
           {"novalue", "invalid --annotation `novalue`: not [TYPE:]KEY=VALUE"},
           {"=v", "invalid --annotation `=v`: not [TYPE:]KEY=VALUE"},
           {"config:k=v", "invalid --annotation `config:k=v`: unknown annotation type `config` (manifest, "
                          "manifest-descriptor, index, index-descriptor)"},
           {"manifest:=v", "invalid --annotation `manifest:=v`: no key"}}) {
    try {
      parse_annotation_flags({value});
      ADD_FAILURE() << value;
    } catch (const UsageError& e) {
      EXPECT_EQ(e.what(), message);
    }
  }
}

TEST(OutputSpecTest, AnOutputsOwnAnnotationWinsOverTheFlags) {
  OutputSpec spec = parse_output_spec("type=oci,dest=x,annotation.k=own");
  add_annotations(spec, parse_annotation_flags({"k=flag", "other=flag"}));
  EXPECT_EQ(spec.annotations.manifest, (AnnotationMap{{"k", "own"}, {"other", "flag"}}));
}

TEST(OutputSpecTest, AnAnnotationLevelAnOutputDoesNotHaveIsAnErrorNamingIt) {
  EXPECT_EQ(level_error_of("type=oci,dest=x,annotation.a=1,annotation-manifest-descriptor.b=2"), "");
  EXPECT_EQ(level_error_of("type=oci,tar=false,dest=x", {"manifest-descriptor:b=2"}), "");
  EXPECT_EQ(level_error_of("type=image,push=true,name=a", {"a=1"}), "");
  EXPECT_EQ(level_error_of("type=oci,dest=x", {"index:org.opencontainers.image.title=t"}),
            "annotation `annotation-index.org.opencontainers.image.title`: --output type=oci writes a "
            "single-platform image, which has no image index to annotate");
  EXPECT_EQ(level_error_of("type=oci,dest=x,annotation-index-descriptor.k=v"),
            "annotation `annotation-index-descriptor.k`: --output type=oci writes a single-platform image, which has "
            "no image index to annotate");
  EXPECT_EQ(level_error_of("type=registry,name=a", {"manifest-descriptor:k=v"}),
            "annotation `annotation-manifest-descriptor.k`: --output type=registry pushes a manifest that no "
            "descriptor names (an OCI layout's index.json has one: type=oci)");
  EXPECT_EQ(level_error_of("type=docker,dest=x", {"k=v"}),
            "annotation `annotation.k`: --output type=docker writes docker's archive format, which has no manifest to "
            "annotate (type=oci has)");
  EXPECT_EQ(level_error_of("type=docker,tar=false,dest=x", {"k=v"}),
            "annotation `annotation.k`: --output type=docker,tar=false writes docker media types, whose manifests "
            "take no annotations (type=oci has)");
  EXPECT_EQ(level_error_of("type=oci,dest=x,oci-mediatypes=false,annotation.k=v"),
            "annotation `annotation.k`: --output type=oci writes docker media types, whose manifests take no "
            "annotations (oci-mediatypes=true has)");
  EXPECT_EQ(level_error_of("type=tar,dest=x", {"k=v"}),
            "--annotation: --output type=tar writes a root file system, not an image to annotate");
}

}  // namespace
}  // namespace gantry::engine
