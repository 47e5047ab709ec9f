#include "cache/content_store.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>

#include "base/error.h"
#include "base/file_util.h"
#include "base/unique_fd.h"

namespace gantry::cache {

namespace fs = std::filesystem;

TEST(ContentStore, PutReadAndVerify) {
  TempDir root(fs::temp_directory_path());
  ContentStore store(root.path());
  auto d = store.put("hello");
  EXPECT_EQ(d, sha256_of("hello"));
  EXPECT_TRUE(store.has(d));
  EXPECT_EQ(store.read(d), "hello");
  EXPECT_EQ(store.size(d), 5);
  EXPECT_EQ(store.path(d), root.path() / "blobs" / "sha256" / d.hex());
}

TEST(ContentStore, BlobWrittenInUnevenPiecesPastTheWritebackChunksIsStoredWhole) {
  TempDir root(fs::temp_directory_path());
  ContentStore store(root.path());
  // 20 MB in 3 MB pieces: writeback starts at two chunk boundaries that fall inside a piece.
  std::string piece(3 << 20, '\0');
  std::string whole;
  auto in = store.ingest();
  for (int i = 0; whole.size() < (20u << 20); ++i) {
    for (std::size_t j = 0; j < piece.size(); ++j) piece[j] = static_cast<char>((i * 131 + j * 7) & 0xff);
    in.write(piece);
    whole += piece;
  }
  const Digest d = in.commit(sha256_of(whole));
  EXPECT_EQ(store.size(d), static_cast<std::int64_t>(whole.size()));
  EXPECT_EQ(store.read(d), whole);
}

// Whether another open file can take the lock of `file` now (flock locks are per open file, so
// this stands for another process).
bool lockable(const fs::path& file) {
  UniqueFd fd(::open(file.c_str(), O_RDWR | O_CLOEXEC));
  return fd && ::flock(fd.get(), LOCK_EX | LOCK_NB) == 0;
}

TEST(ContentStore, ABlobLockIsHeldUntilItGoesAndLeavesNoFile) {
  TempDir root(fs::temp_directory_path());
  ContentStore store(root.path());
  const Digest d = sha256_of("layer");
  const fs::path file = root.path() / "ingest" / ("lock-" + d.hex());
  {
    auto lock = store.lock_blob(d);
    ASSERT_TRUE(fs::exists(file));
    EXPECT_FALSE(lockable(file));
    store.clean_ingest();  // a lock that is held is no leftover
    EXPECT_TRUE(fs::exists(file));
    auto other = store.lock_blob(sha256_of("another layer"));  // other blobs are not held up
  }
  EXPECT_FALSE(fs::exists(file));
  // The lock file of a process that died holding it: the next lock takes it, clean_ingest removes it.
  write_file_atomic(file, "");
  { auto lock = store.lock_blob(d); }
  write_file_atomic(file, "");
  store.clean_ingest();
  EXPECT_FALSE(fs::exists(file));
}

TEST(ContentStore, IngestWithWrongExpectedDigestLeavesNothing) {
  TempDir root(fs::temp_directory_path());
  ContentStore store(root.path());
  {
    auto in = store.ingest();
    in.write("abc");
    EXPECT_THROW(in.commit(sha256_of("abd")), Error);
  }
  EXPECT_FALSE(store.has(sha256_of("abc")));
  EXPECT_TRUE(fs::is_empty(root.path() / "ingest"));
}

TEST(ContentStore, AbandonedIngestIsRemoved) {
  TempDir root(fs::temp_directory_path());
  ContentStore store(root.path());
  {
    auto in = store.ingest();
    in.write("partial");
  }
  EXPECT_TRUE(fs::is_empty(root.path() / "ingest"));
}

TEST(ContentStore, CleanIngestRemovesOnlyDeadProcessesTemps) {
  TempDir root(fs::temp_directory_path());
  ContentStore store(root.path());
  write_file_atomic(root.path() / "ingest" / "blob-999999999-abcdef", "left by a crash");
  auto live = store.ingest();
  live.write("in progress");
  store.clean_ingest();
  int left = 0;
  for ([[maybe_unused]] auto& e : fs::directory_iterator(root.path() / "ingest")) ++left;
  EXPECT_EQ(left, 1);  // only the live ingest
}

TEST(ContentStore, ReadOfMissingBlobNamesIt) {
  TempDir root(fs::temp_directory_path());
  ContentStore store(root.path());
  auto d = sha256_of("absent");
  try {
    store.read(d);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(d.str()), std::string::npos);
  }
}

}  // namespace gantry::cache
