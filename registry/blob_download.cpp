#include "registry/blob_download.h"

#include <optional>

#include "base/error.h"
#include "registry/unpack_feed.h"

namespace gantry::registry {

bool download_blob(RegistryClient& client, const cache::ContentStore& content, const std::string& repository,
                   const Descriptor& blob, LayerUnpack* unpack, TransferProgress* progress) {
  const auto lock = content.lock_blob(blob.digest);
  if (content.has(blob.digest)) return false;  // another pull stored it while this one waited
  auto ingest = content.ingest();
  std::optional<UnpackFeed> feed;
  if (unpack) feed.emplace(*unpack, "layer " + blob.digest.str());
  if (progress) progress->started(blob.digest, blob.size);
  client.fetch_blob(repository, blob.digest, [&](std::string_view bytes) {
    if (ingest.size() + static_cast<std::int64_t>(bytes.size()) > blob.size)
      throw Error("blob " + blob.digest.str() + ": the registry sent more than its " + std::to_string(blob.size) +
                  " bytes");
    ingest.write(bytes);
    if (feed) feed->write(bytes);
    if (progress) progress->moved(blob.digest, ingest.size(), blob.size);
  });
  if (ingest.size() != blob.size)
    throw Error("blob " + blob.digest.str() + ": the registry sent " + std::to_string(ingest.size()) + " of its " +
                std::to_string(blob.size) + " bytes");
  if (feed) feed->close();
  ingest.commit(blob.digest);
  if (feed) feed->result();  // rethrows what failed the unpack
  if (progress) progress->finished(blob.digest);
  return true;
}

}  // namespace gantry::registry
