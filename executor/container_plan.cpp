#include "executor/container_plan.h"

#include <algorithm>

namespace gantry::executor {
namespace {

constexpr const char* kDefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// The value of the last `key=` entry of env, or nothing.
const std::string* find_key(const std::vector<std::string>& env, std::string_view key) {
  for (auto it = env.rbegin(); it != env.rend(); ++it) {
    if (it->size() > key.size() && it->compare(0, key.size(), key) == 0 && (*it)[key.size()] == '=') {
      return &*it;
    }
  }
  return nullptr;
}

}  // namespace

void plan_exec(ExecPlan& exec, const std::vector<std::string>& args, std::vector<std::string> env,
               const std::string& home) {
  exec.args = args;
  if (!find_key(env, "PATH")) env.push_back(std::string("PATH=") + kDefaultPath);
  if (!find_key(env, "HOME")) env.push_back("HOME=" + home);
  exec.env = std::move(env);
  for (std::string& arg : exec.args) exec.argv.push_back(arg.data());
  exec.argv.push_back(nullptr);
  for (std::string& entry : exec.env) exec.envp.push_back(entry.data());
  exec.envp.push_back(nullptr);

  const std::string& command = exec.args.front();
  exec.searched = command.find('/') == std::string::npos;
  if (!exec.searched) {
    exec.candidates = {command};
    return;
  }
  const std::string path = find_key(exec.env, "PATH")->substr(5);
  for (std::size_t start = 0; start <= path.size();) {
    std::size_t end = path.find(':', start);
    if (end == std::string::npos) end = path.size();
    const std::string dir = path.substr(start, end - start);
    exec.candidates.push_back((dir.empty() ? "." : dir) + "/" + command);
    start = end + 1;
  }
  exec.not_found = "`" + command + "`: executable file not found in $PATH (" + path + ")";
}

std::vector<int> fds_of(const ContainerPlan& plan) {
  std::vector<int> fds{0, 1, 2, plan.stdout_fd, plan.stderr_fd, plan.report_fd, plan.status_fd,
                       plan.stdin_fd,
                       plan.network_fd, plan.root.get(), plan.dev.dev.get(), plan.dev.pts.get(),
                       plan.dev.shm.get()};
  for (const auto& [name, node] : plan.dev.host_nodes) fds.push_back(node.get());
  for (const PreparedMount& mount : plan.mounts) fds.push_back(mount.tree.get());
  for (int fd : plan.cgroup->fds()) fds.push_back(fd);
  fds.push_back(plan.cgroup_view.tmpfs.get());
  for (const auto& [path, tree] : plan.cgroup_view.trees) fds.push_back(tree.get());
  fds.erase(std::remove(fds.begin(), fds.end(), -1), fds.end());
  std::sort(fds.begin(), fds.end());
  return fds;
}

}  // namespace gantry::executor
