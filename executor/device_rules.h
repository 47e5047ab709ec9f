// Which device nodes a container may use: Docker's default set (null, zero, full, random,
// urandom, tty, console, ptmx and the pts terminals). Any node may be made (mknod, for images
// that ship device files), but no other can be opened: a RUN step that makes a node for the
// host's disk, /dev/fuse or /dev/net/tun gets EPERM on open.
//
// The kernel applies the rules through the cgroup the container runs in: written as lines to
// devices.deny/devices.allow on cgroup v1, and as a BPF_PROG_TYPE_CGROUP_DEVICE program
// attached to the cgroup on v2 (it applies to the cgroups below it too).
#pragma once

#include <linux/bpf.h>

#include <string>
#include <vector>

namespace gantry::executor {

// cgroup v1: write "a" to devices.deny, then each of these to devices.allow ("c 1:3 rwm").
std::vector<std::string> v1_device_allow_lines();

// cgroup v2: the program, which returns 1 (allow) for a rule's match and 0 (EPERM) otherwise.
std::vector<bpf_insn> device_program();

// Loads device_program() and attaches it to the cgroup directory `cgroup_fd`, so that no
// program can be attached below it. Throws Error naming the step.
void attach_device_program(int cgroup_fd);

}  // namespace gantry::executor
