#include "executor/network_pool.h"

#include <utility>

#include "base/error.h"
#include "executor/loopback_guard.h"
#include "executor/network_namespace.h"
#include "executor/slirp_network.h"

namespace gantry::executor {

struct NetworkPool::Entry {
  UniqueFd namespace_fd;
  std::unique_ptr<SlirpNetwork> outbound;  // Network::Private only
};

NetworkPool::Lease::Lease(NetworkPool& pool, Network kind, std::unique_ptr<Entry> entry)
    : pool_(&pool), kind_(kind), entry_(std::move(entry)) {}

NetworkPool::Lease::Lease(Lease&& other) noexcept
    : pool_(other.pool_),
      kind_(other.kind_),
      entry_(std::move(other.entry_)),
      reuse_(other.reuse_) {}

NetworkPool::Lease::~Lease() {
  if (entry_ && reuse_) pool_->give_back(kind_, std::move(entry_));
}

int NetworkPool::Lease::fd() const { return entry_->namespace_fd.get(); }

NetworkPool::NetworkPool(std::vector<std::uint32_t> loopback_resolvers)
    : loopback_resolvers_(std::move(loopback_resolvers)) {}

NetworkPool::~NetworkPool() = default;

NetworkPool::Lease NetworkPool::acquire(Network kind) {
  if (kind == Network::Host) throw Error("network pool: the host network is not pooled");
  {
    std::lock_guard lock(mutex_);
    auto& idle = kind == Network::Private ? idle_private_ : idle_none_;
    while (!idle.empty()) {
      std::unique_ptr<Entry> entry = std::move(idle.back());
      idle.pop_back();
      // A slirp4netns that died (killed by someone) leaves a namespace without a way out.
      if (!entry->outbound || entry->outbound->running()) {
        return Lease(*this, kind, std::move(entry));
      }
    }
  }
  // Made outside the lock: other runs need not wait for this one's slirp4netns.
  auto entry = std::make_unique<Entry>();
  entry->namespace_fd = make_network_namespace();
  if (kind == Network::Private) {
    entry->outbound = std::make_unique<SlirpNetwork>(entry->namespace_fd.get(), guard());
  }
  return Lease(*this, kind, std::move(entry));
}

const LoopbackGuard& NetworkPool::guard() {
  std::lock_guard lock(guard_mutex_);
  if (!guard_) guard_ = std::make_unique<LoopbackGuard>(loopback_resolvers_);
  return *guard_;
}

void NetworkPool::give_back(Network kind, std::unique_ptr<Entry> entry) noexcept {
  std::lock_guard lock(mutex_);
  try {
    (kind == Network::Private ? idle_private_ : idle_none_).push_back(std::move(entry));
  } catch (const std::bad_alloc&) {
    // Not reused, then: `entry` still owns it and closes it.
  }
}

}  // namespace gantry::executor
