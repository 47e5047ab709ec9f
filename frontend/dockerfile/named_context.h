// The names of --build-context contexts as buildx and BuildKit match them: a name is an image
// reference in its familiar form without an implicit ":latest", so `alpine`,
// `alpine:latest` and `docker.io/library/alpine:latest` are one name, and `alpine:3` another.
// The same form is looked up for a FROM base, a stage name, COPY --from and RUN --mount=from.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace gantry::frontend {

// The name `text` is matched by; throws UsageError "invalid context name `text`: ..." when it
// is not an image reference (buildx refuses such a --build-context name).
std::string named_context_key(std::string_view text);

// As named_context_key, but nothing for a name that is not an image reference (such a FROM or
// --from value cannot name a context).
std::optional<std::string> find_named_context_key(std::string_view text);

}  // namespace gantry::frontend
