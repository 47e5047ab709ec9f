#include "tests/e2e/side_by_side_script.h"

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/e2e/gantry_runner.h"
#include "tests/e2e/terminal_run.h"

namespace gantry::e2e {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

std::string replaced(std::string text, const std::string& from, const std::string& to) {
  if (from.empty()) return text;
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

std::string context_of(const Outcome& o) {
  return "exit " + std::to_string(o.exit_code) + "\nstdout:\n" + o.out + "stderr:\n" + o.err;
}

// docker 20.10 prints every field of its container config, zero or not (Hostname "", Tty false,
// OnBuild null, ...); newer daemons and gantry leave the zero ones out. A zero value says nothing
// about the image, so both sides drop them at the top level (inside a field, an empty value, such
// as an exposed port's {}, is meaning).
std::string config_without_zero_fields(const std::string& text) {
  json config;
  try {
    config = json::parse(text);
  } catch (const json::exception&) {
    return "not JSON: " + text;
  }
  if (!config.is_object()) return config.dump();
  json kept = json::object();
  for (const auto& [key, value] : config.items()) {
    const bool zero = value.is_null() || value == false || value == "" ||
                      (value.is_object() && value.empty()) || (value.is_array() && value.empty());
    if (!zero) kept[key] = value;
  }
  return kept.dump(2) + "\n";
}

class Script {
 public:
  Script(const DockerLikeCli& cli, const ScriptSetup& setup) : cli_(cli), setup_(setup) {}

  Transcript run() {
    for (const auto& name : side_by_side_images()) build(name);
    images();
    for (const auto& name : side_by_side_images()) {
      inspect_config(name);
      history(name);
    }
    history_truncated("app");
    save_load_round_trip("app");
    run_exit_code();
    run_missing_command();
    for (const auto& name : side_by_side_images()) run_image_defaults(name);
    run_with_terminal();
    return std::move(transcript_);
  }

 private:
  std::string ref(const std::string& name) const { return setup_.repo + "/" + name + ":1"; }
  // What both tools print the same once the run's own prefix is named alike.
  std::string normalised(const std::string& text) const {
    return replaced(text, setup_.repo + "/", "REPO/");
  }

  void record(const std::string& step, std::string compared, const Outcome& raw) {
    transcript_[step] = {std::move(compared), context_of(raw)};
  }

  // Image IDs of built images differ (their configs hold creation times), so a build is
  // compared by its exit status; what it built is compared by the steps after.
  void build(const std::string& name) {
    auto o = cli_.run({"build", "-q", "--network", "none", "-t", ref(name),
                       testdata("side-by-side/" + name).string()});
    record("build " + name, "exit " + std::to_string(o.exit_code) + "\n", o);
  }

  // Sorted: both list by creation time, and the images of one run are made within a second,
  // which gantry's creation times (whole seconds) cannot order.
  void images() {
    auto o = cli_.run({"images", "--filter", "reference=" + setup_.repo + "/*", "--format",
                       "{{.Repository}}:{{.Tag}}"});
    auto lines = lines_of(normalised(o.out));
    std::sort(lines.begin(), lines.end());
    record("images", "exit " + std::to_string(o.exit_code) + "\n" + joined(lines), o);
  }

  void inspect_config(const std::string& name) {
    auto o = cli_.run({"inspect", "-f", "{{json .Config}}", ref(name)});
    record("inspect config " + name,
           "exit " + std::to_string(o.exit_code) + "\n" + config_without_zero_fields(o.out), o);
  }

  std::string image_id(const std::string& name) const {
    auto o = cli_.run({"inspect", "-f", "{{.Id}}", ref(name)});
    return o.exit_code == 0 ? o.out.substr(0, o.out.find('\n')) : "";
  }

  // The creation columns are left out: the times are the builds' own. The image's own ID, on
  // its top row, differs for the same reason, and is named IMAGE-ID.
  void history(const std::string& name) {
    auto o = cli_.run({"history", "--no-trunc", "--format",
                       "{{.ID}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}", ref(name)});
    record(
        "history " + name,
        "exit " + std::to_string(o.exit_code) + "\n" + replaced(o.out, image_id(name), "IMAGE-ID"),
        o);
  }

  // Without --no-trunc, docker cuts CREATED BY to 45 characters.
  void history_truncated(const std::string& name) {
    auto o = cli_.run({"history", "--format", "{{.CreatedBy}}", ref(name)});
    record("history truncated " + name, "exit " + std::to_string(o.exit_code) + "\n" + o.out, o);
  }

  // save to a pipe, remove the image, load it back from a pipe: the same image ID and config.
  void save_load_round_trip(const std::string& name) {
    const std::string id = image_id(name);
    const std::string config = cli_.run({"inspect", "-f", "{{json .Config}}", ref(name)}).out;
    const fs::path archive = setup_.work_dir / (cli_.name() + "-" + name + ".tar");
    auto save = cli_.run({"save", ref(name)});
    std::ofstream(archive, std::ios::binary) << save.out;
    auto rmi = cli_.run({"rmi", ref(name)});
    auto load = cli_.run({"load"}, archive);
    std::string compared = "save exit " + std::to_string(save.exit_code) + "\n";
    // docker goes on with "Deleted: <id>" for the image and each layer; gantry keeps the data
    // until a prune, so only the untagging is the same.
    for (const auto& l : lines_of(normalised(rmi.out)))
      if (l.starts_with("Untagged: ")) compared += "rmi: " + l + "\n";
    compared += "load exit " + std::to_string(load.exit_code) + "\nload: " + normalised(load.out);
    compared += std::string("same image ID after: ") +
                (!id.empty() && image_id(name) == id ? "yes" : "no") + "\n";
    compared +=
        std::string("same config after: ") +
        (cli_.run({"inspect", "-f", "{{json .Config}}", ref(name)}).out == config ? "yes" : "no") +
        "\n";
    transcript_["save | load " + name] = {
        compared, "save: " + context_of({save.exit_code, "", save.err}) +
                      "rmi: " + context_of(rmi) + "load: " + context_of(load)};
  }

  void run_exit_code() {
    auto o = cli_.run({"run", "--rm", "--network", "none", "busybox:latest", "sh", "-c",
                       "echo out; echo err >&2; exit 3"});
    record("run exit 3",
           "exit " + std::to_string(o.exit_code) + "\nstdout:\n" + o.out + "stderr:\n" + o.err, o);
  }

  // The messages differ in their words (docker's comes from runc through the daemon); both must
  // name the command.
  void run_missing_command() {
    auto o =
        cli_.run({"run", "--rm", "--network", "none", "busybox:latest", "no-such-command", "arg"});
    const bool named = o.err.find("no-such-command") != std::string::npos;
    record("run missing command",
           "exit " + std::to_string(o.exit_code) + "\nstdout:\n" + o.out +
               "stderr names the command: " + (named ? "yes" : "no") + "\n",
           o);
  }

  // The image's ENTRYPOINT, CMD, USER and WORKDIR at work.
  void run_image_defaults(const std::string& name) {
    auto o = cli_.run({"run", "--rm", "--network", "none", ref(name)});
    record("run " + name, "exit " + std::to_string(o.exit_code) + "\nstdout:\n" + o.out, o);
  }

  // -t gives the container a pty for its stdio, in a real terminal (a tmux pane).
  void run_with_terminal() {
    const fs::path dir = setup_.work_dir / (cli_.name() + "-terminal");
    fs::create_directories(dir);
    auto t = run_in_terminal(
        cli_.command_line(
            {"run", "--rm", "-t", "--network", "none", "busybox:latest", "sh", "-c",
             "for fd in 0 1 2; do test -t $fd && echo \"fd $fd is a terminal\"; done; "
             "printf 'tab\\there\\n'; exit 4"}),
        dir);
    // docker's client says so, on the same terminal, when the container started before it could
    // size the pty (a race in docker 20.10); it is not the container's output.
    std::string screen;
    for (const auto& l : lines_of(t.screen))
      if (l != "failed to resize tty, using default size") screen += l + "\n";
    transcript_["run -t in a terminal"] = {
        "exit " + std::to_string(t.exit_code) + "\nscreen:\n" + screen, t.screen};
  }

  const DockerLikeCli& cli_;
  const ScriptSetup& setup_;
  Transcript transcript_;
};

}  // namespace

const std::vector<std::string>& side_by_side_images() {
  static const std::vector<std::string> names = {"app", "multistage"};
  return names;
}

Transcript run_side_by_side_script(const DockerLikeCli& cli, const ScriptSetup& setup) {
  return Script(cli, setup).run();
}

void remove_script_images(const DockerLikeCli& cli, const ScriptSetup& setup) {
  for (const auto& name : side_by_side_images())
    cli.run({"rmi", "-f", setup.repo + "/" + name + ":1"});
}

}  // namespace gantry::e2e
