#include "registry/blob_download.h"

#include "base/error.h"

namespace gantry::registry {

void download_blob(RegistryClient& client, const cache::ContentStore& content, const std::string& repository,
                   const Descriptor& blob) {
  auto ingest = content.ingest();
  client.fetch_blob(repository, blob.digest, [&](std::string_view bytes) {
    if (ingest.size() + static_cast<std::int64_t>(bytes.size()) > blob.size)
      throw Error("blob " + blob.digest.str() + ": the registry sent more than its " + std::to_string(blob.size) +
                  " bytes");
    ingest.write(bytes);
  });
  if (ingest.size() != blob.size)
    throw Error("blob " + blob.digest.str() + ": the registry sent " + std::to_string(ingest.size()) + " of its " +
                std::to_string(blob.size) + " bytes");
  ingest.commit(blob.digest);
}

}  // namespace gantry::registry
