#include "daemon/image_prune_params.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "base/error.h"

namespace gantry::daemon {
namespace {

constexpr std::int64_t kSecond = 1'000'000'000;
constexpr std::int64_t kNow = 1'700'000'000 * kSecond;

engine::ImagePruneRequest parse(const std::string& filters) {
  HttpRequest request{.method = "POST", .path = "/images/prune"};
  if (!filters.empty()) request.query = {{"filters", filters}};
  return parse_image_prune_params(request, kNow);
}

TEST(ImagePruneParams, DanglingImagesByDefaultAndEveryImageWithDanglingFalse) {
  EXPECT_FALSE(parse("").all);
  EXPECT_FALSE(parse(R"({"dangling":{"true":true}})").all);
  EXPECT_TRUE(parse(R"({"dangling":{"false":true}})").all);
  EXPECT_TRUE(parse(R"({"dangling":["0"]})").all);
  EXPECT_THROW(parse(R"({"dangling":{"maybe":true}})"), UsageError);
}

TEST(ImagePruneParams, LabelsAndNotLabelsAreKept) {
  const auto prune = parse(R"({"label":{"a":true,"b=1":true},"label!":{"keep":true}})");
  EXPECT_EQ(prune.labels, (std::vector<std::string>{"a", "b=1"}));
  EXPECT_EQ(prune.not_labels, (std::vector<std::string>{"keep"}));
}

TEST(ImagePruneParams, UntilIsATimeOrADurationBeforeNow) {
  EXPECT_EQ(parse(R"({"until":{"24h":true}})").until, kNow - 24 * 3600 * kSecond);
  EXPECT_EQ(parse(R"({"until":{"1h30m":true}})").until, kNow - 5400 * kSecond);
  EXPECT_EQ(parse(R"({"until":{"1.5s":true}})").until, kNow - 1'500'000'000);
  EXPECT_EQ(parse(R"({"until":{"1600000000":true}})").until, 1'600'000'000 * kSecond);
  EXPECT_EQ(parse(R"({"until":{"1600000000.25":true}})").until,
            1'600'000'000 * kSecond + kSecond / 4);
  EXPECT_EQ(parse(R"({"until":{"2024-01-02T03:04:05Z":true}})").until, 1704164645 * kSecond);
  EXPECT_EQ(parse(R"({"until":{"2024-01-02T05:04:05+02:00":true}})").until, 1704164645 * kSecond);
  EXPECT_THROW(parse(R"({"until":{"yesterday":true}})"), UsageError);
  EXPECT_THROW(parse(R"({"until":{"10x":true}})"), UsageError);
  EXPECT_THROW(parse(R"({"until":{"1h":true,"2h":true}})"), UsageError);
}

TEST(ImagePruneParams, ADateWithoutOffsetIsInTheDaemonsTimeZone) {
  const char* previous = std::getenv("TZ");
  const std::string saved = previous ? previous : "";
  ::setenv("TZ", "UTC-2", 1);  // POSIX spelling of two hours east of UTC
  ::tzset();
  EXPECT_EQ(parse_docker_time("2024-01-02T05:04:05", kNow, "until"), 1704164645 * kSecond);
  EXPECT_EQ(parse_docker_time("2024-01-02", kNow, "until"), (1704153600 - 7200) * kSecond);
  if (previous)
    ::setenv("TZ", saved.c_str(), 1);
  else
    ::unsetenv("TZ");
  ::tzset();
}

TEST(ImagePruneParams, AnotherFilterIsRefusedByName) {
  try {
    parse(R"({"reference":{"app":true}})");
    FAIL() << "no error";
  } catch (const UsageError& e) {
    EXPECT_EQ(std::string(e.what()),
              "POST /images/prune: the filter `reference` is not one gantry supports (dangling, "
              "until, label, label!)");
  }
}

}  // namespace
}  // namespace gantry::daemon
