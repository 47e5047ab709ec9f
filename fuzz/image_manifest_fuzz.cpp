// Any bytes as the blobs of an image in the content store, read back as an image (read_image:
// manifest or index -> platform manifest -> config), as every build FROM a stored image does.
// The input is up to four blobs separated by "\n--\n"; "@1@".."@3@" in a blob become the digest
// of blob 1..3, so the fuzzer can build chains (an index naming a manifest naming a config, an
// index naming an index) that real digests would hide from it. Reading must succeed or throw
// gantry::Error: a crash or any other exception (raw library text) is a finding.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "base/file_util.h"
#include "cache/content_store.h"
#include "exporter/image.h"

namespace {

struct Scratch {
  gantry::TempDir dir{"/dev/shm", "gantry-fuzz-manifest-"};
  gantry::cache::ContentStore store{dir.path()};
};

std::vector<std::string> split_blobs(std::string_view input) {
  std::vector<std::string> blobs;
  for (std::size_t pos = 0; blobs.size() < 4;) {
    std::size_t sep = input.find("\n--\n", pos);
    if (sep == std::string_view::npos || blobs.size() == 3) {
      blobs.emplace_back(input.substr(pos));
      break;
    }
    blobs.emplace_back(input.substr(pos, sep - pos));
    pos = sep + 4;
  }
  return blobs;
}

void replace_all(std::string& text, const std::string& from, const std::string& to) {
  for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Scratch scratch;
  std::vector<std::string> blobs = split_blobs(std::string_view(reinterpret_cast<const char*>(data), size));
  // Last first: a blob can name the ones after it.
  std::vector<gantry::Digest> digests(blobs.size());
  for (std::size_t i = blobs.size(); i-- > 0;) {
    for (std::size_t j = i + 1; j < blobs.size(); ++j)
      replace_all(blobs[i], "@" + std::to_string(j) + "@", digests[j].str());
    digests[i] = scratch.store.put(blobs[i]);
  }
  try {
    gantry::exporter::ImageView view = gantry::exporter::read_image(scratch.store, digests[0]);
    (void)view.config_json.dump();
  } catch (const gantry::Error&) {
  }
  for (const gantry::Digest& d : digests)
    if (scratch.store.has(d)) scratch.store.remove(d);
  return 0;
}
