#include "daemon/event_params.h"

#include <gtest/gtest.h>

#include <thread>

#include "base/error.h"

namespace gantry::daemon {
namespace {

using namespace std::chrono_literals;

const std::string kId = "sha256:" + std::string(64, 'c');

ImageEvent tag_event() {
  return {.action = "tag",
          .id = kId,
          .attributes = {{"name", "127.0.0.1:5000/app:v2"}, {"team", "build"}},
          .time_nano = 1'700'000'000'123'456'789};
}

bool matches(const std::string& filters) {
  return EventFilter::parse(filters).matches(tag_event());
}

TEST(EventFilter, NoFiltersLetEveryEventThrough) {
  EXPECT_TRUE(matches(""));
  EXPECT_TRUE(matches("{}"));
}

TEST(EventFilter, TypeEventAndScopeAreExactMatches) {
  EXPECT_TRUE(matches(R"({"type":{"image":true}})"));
  EXPECT_FALSE(matches(R"({"type":{"container":true}})"));
  EXPECT_TRUE(matches(R"({"type":{"container":true,"image":true}})"));
  EXPECT_TRUE(matches(R"({"event":["untag","tag"]})"));
  EXPECT_FALSE(matches(R"({"event":{"untag":true}})"));
  EXPECT_TRUE(matches(R"({"scope":{"local":true}})"));
  EXPECT_FALSE(matches(R"({"scope":{"swarm":true}})"));
}

TEST(EventFilter, ImageMatchesTheIdOrTheNameWithOrWithoutItsTag) {
  EXPECT_TRUE(matches(R"({"image":{")" + kId + R"(":true}})"));
  EXPECT_TRUE(matches(R"({"image":{"127.0.0.1:5000/app:v2":true}})"));
  EXPECT_TRUE(matches(R"({"image":{"127.0.0.1:5000/app":true}})"));
  EXPECT_FALSE(matches(R"({"image":{"127.0.0.1:5000/app:v3":true}})"));
  EXPECT_FALSE(matches(R"({"image":{"app":true}})"));
}

TEST(EventFilter, EveryLabelMustMatch) {
  EXPECT_TRUE(matches(R"({"label":{"team":true}})"));
  EXPECT_TRUE(matches(R"({"label":{"team=build":true}})"));
  EXPECT_FALSE(matches(R"({"label":{"team=run":true}})"));
  EXPECT_FALSE(matches(R"({"label":{"team":true,"owner":true}})"));
}

TEST(EventFilter, AFilterForWhatGantryHasNoEventsOfIsRefusedByName) {
  try {
    EventFilter::parse(R"({"container":{"abc":true}})");
    FAIL() << "no error";
  } catch (const UsageError& e) {
    EXPECT_EQ(std::string(e.what()),
              "GET /events: the filter `container` is not one gantry supports (type, event, "
              "image, label, scope): gantry has image events only");
  }
  EXPECT_THROW(EventFilter::parse("not json"), UsageError);
  EXPECT_THROW(EventFilter::parse(R"({"type":"image"})"), UsageError);
}

TEST(UnixTimestamp, SecondsWithOrWithoutNanoseconds) {
  EXPECT_EQ(parse_unix_timestamp("1700000000", "since"), 1'700'000'000'000'000'000);
  EXPECT_EQ(parse_unix_timestamp("1700000000.5", "since"), 1'700'000'000'500'000'000);
  EXPECT_EQ(parse_unix_timestamp("1700000000.000000001", "since"), 1'700'000'000'000'000'001);
  for (const char* bad : {"", "abc", "1700000000.", "-5", "1.0000000001", "2024-01-01"})
    EXPECT_THROW(parse_unix_timestamp(bad, "until"), UsageError) << bad;
}

TEST(EventParams, SinceAndUntilAreReadAndUntilMayNotComeFirst) {
  HttpRequest request{.method = "GET", .path = "/events"};
  request.query = {{"since", "100"}, {"until", "200.5"}, {"filters", R"({"type":["image"]})"}};
  const EventParams params = parse_event_params(request);
  EXPECT_EQ(params.since, 100'000'000'000);
  EXPECT_EQ(params.until, 200'500'000'000);
  request.query = {{"since", "300"}, {"until", "200"}};
  EXPECT_THROW(parse_event_params(request), UsageError);
  request.query = {{"follow", "1"}};
  EXPECT_THROW(parse_event_params(request), UsageError);
}

TEST(ImageEvents, ASubscriptionSeesTheKeptEventsOnlyWhenReplaying) {
  ImageEvents events;
  events.publish("tag", kId, "app:latest", nlohmann::json{{"team", "build"}});
  ImageEvents::Subscription replaying(events, true);
  ImageEvents::Subscription live(events, false);
  const auto first = replaying.next(0ms);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->action, "tag");
  EXPECT_EQ(first->attributes,
            (std::map<std::string, std::string>{{"name", "app:latest"}, {"team", "build"}}));
  EXPECT_GT(first->time_nano, 0);
  EXPECT_FALSE(live.next(0ms));
  events.publish("untag", kId, kId);
  EXPECT_EQ(live.next(0ms)->action, "untag");
  EXPECT_EQ(replaying.next(0ms)->action, "untag");
  EXPECT_FALSE(replaying.next(0ms));
}

TEST(ImageEvents, OnlyTheLastAreKept) {
  ImageEvents events;
  for (std::size_t i = 0; i < ImageEvents::kKept + 10; ++i)
    events.publish("tag", std::to_string(i), "");
  ImageEvents::Subscription s(events, true);
  EXPECT_EQ(s.next(0ms)->id, "10");
}

TEST(ImageEvents, ASubscriberWaitingIsWokenByAPublishAndByClose) {
  ImageEvents events;
  ImageEvents::Subscription s(events, false);
  std::thread publisher([&events] { events.publish("pull", "busybox:latest", "busybox"); });
  const auto event = s.next(60s);
  publisher.join();
  ASSERT_TRUE(event);
  EXPECT_EQ(event->action, "pull");
  std::thread closer([&events] { events.close(); });
  EXPECT_FALSE(s.next(60s));
  closer.join();
  EXPECT_TRUE(s.closed());
}

TEST(ImageEvents, TheMessageHasDockerdsFields) {
  const auto json = event_json(tag_event());
  EXPECT_EQ(json["Type"], "image");
  EXPECT_EQ(json["Action"], "tag");
  EXPECT_EQ(json["status"], "tag");
  EXPECT_EQ(json["id"], kId);
  EXPECT_EQ(json["Actor"]["ID"], kId);
  EXPECT_EQ(json["Actor"]["Attributes"]["name"], "127.0.0.1:5000/app:v2");
  EXPECT_EQ(json["scope"], "local");
  EXPECT_EQ(json["time"], 1'700'000'000);
  EXPECT_EQ(json["timeNano"], 1'700'000'000'123'456'789);
}

}  // namespace
}  // namespace gantry::daemon
