// The network of a run without host networking: a fresh network namespace holds only `lo`,
// which starts down; bringing it up gives the process a working 127.0.0.1 and nothing else.
#pragma once

namespace gantry::executor {

void bring_up_loopback();

}  // namespace gantry::executor
