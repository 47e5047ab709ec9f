// A fresh network namespace holds only `lo`, which starts down; bringing it up gives the
// namespace a working 127.0.0.1.
#pragma once

namespace gantry::executor {

// Brings up `lo` of the calling thread's network namespace.
void bring_up_loopback();

}  // namespace gantry::executor
