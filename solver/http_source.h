// ADD <url>: the remote file is downloaded into a staging snapshot before cache keys are
// computed, because the key of what it feeds must be the file's content (a URL says nothing
// about what it serves today).
#pragma once

#include <string>

#include "base/digest.h"
#include "cache/store.h"
#include "llb/llb.h"

namespace gantry::solver {

struct FetchedFile {
  cache::SnapshotStore::Staging staging;  // holds /<filename>, mode 0600 as docker gives it
  Digest content;                         // sha256 of the file
};

// Downloads `source` (identifier = the URL; attrs "filename", optional "checksum"). Throws
// Error naming the URL on a network or HTTP failure, or when the content does not match the
// checksum; nothing is left behind then.
FetchedFile fetch_http_source(cache::Store& store, const llb::SourceOp& source);

}  // namespace gantry::solver
