// Runs a callable when the scope ends, unless dismissed: for clean-up that has no owner type.
//
// The callable runs in a destructor, often while an exception unwinds the stack, where a second
// exception terminates the program: it must be declared noexcept, and catch what it can fail at.
#pragma once

#include <type_traits>
#include <utility>

namespace gantry {

template <typename F>
class ScopeGuard {
  static_assert(std::is_nothrow_invocable_v<F&>, "a ScopeGuard's callable must be noexcept");

 public:
  explicit ScopeGuard(F f) : f_(std::move(f)) {}
  ScopeGuard(const ScopeGuard&) = delete;
  ScopeGuard& operator=(const ScopeGuard&) = delete;
  ~ScopeGuard() {
    if (armed_) f_();
  }
  void dismiss() { armed_ = false; }

 private:
  F f_;
  bool armed_ = true;
};

}  // namespace gantry
