#include "frontend/dockerfile/named_context.h"

#include "base/error.h"
#include "base/image_ref.h"

namespace gantry::frontend {

std::string named_context_key(std::string_view text) {
  std::string familiar;
  try {
    familiar = ImageRef::parse(text).familiar();
  } catch (const Error& e) {
    throw UsageError("invalid context name `" + std::string(text) + "`: " + e.what());
  }
  constexpr std::string_view kLatest = ":latest";
  if (familiar.ends_with(kLatest)) familiar.resize(familiar.size() - kLatest.size());
  return familiar;
}

std::optional<std::string> find_named_context_key(std::string_view text) {
  try {
    return named_context_key(text);
  } catch (const Error&) {
    return std::nullopt;
  }
}

}  // namespace gantry::frontend
