// The network namespaces of an Executor's runs, made on first use and reused: making a
// namespace and starting slirp4netns for it costs milliseconds, joining a ready one costs a
// setns(). A run leases one namespace for itself (two runs at once never share one: they would
// see each other's ports) and gives it back when its processes are gone.
//
// A default run (CAP_NET_ADMIN is not in Docker's default set) cannot change a namespace: it
// can add no address, route or firewall rule, and /proc/sys is read-only. A run with all
// capabilities (--security=insecure) can, so its namespace is thrown away, never reused.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "base/unique_fd.h"
#include "executor/executor.h"

namespace gantry::executor {

class LoopbackGuard;
class SlirpNetwork;

class NetworkPool {
  struct Entry;

 public:
  // A namespace for one run: join it with setns(fd()). Goes back to the pool when destroyed.
  class Lease {
   public:
    Lease(NetworkPool& pool, Network kind, std::unique_ptr<Entry> entry);
    Lease(Lease&&) noexcept;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    int fd() const;
    void discard() { reuse_ = false; }  // the run may have changed the namespace

   private:
    NetworkPool* pool_;
    Network kind_;
    std::unique_ptr<Entry> entry_;
    bool reuse_ = true;
  };

  // `loopback_resolvers`: see LoopbackGuard.
  explicit NetworkPool(std::vector<std::uint32_t> loopback_resolvers);
  ~NetworkPool();

  // Network::Private or Network::None (the host network is no namespace of ours).
  Lease acquire(Network kind);

 private:
  void give_back(Network kind, std::unique_ptr<Entry> entry) noexcept;
  const LoopbackGuard& guard();

  const std::vector<std::uint32_t> loopback_resolvers_;
  std::mutex guard_mutex_;
  std::unique_ptr<LoopbackGuard> guard_;  // made with the first private network; outlives them
  std::mutex mutex_;
  std::vector<std::unique_ptr<Entry>> idle_private_, idle_none_;
};

}  // namespace gantry::executor
