#include "cli/empty_option_values.h"

namespace gantry::cli {

std::vector<std::string> with_empty_values_spelled_out(CLI::App& app, int argc, char** argv) {
  std::vector<std::string> out;
  CLI::App* command = &app;
  int i = 1;
  for (; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--") break;
    const bool long_option = arg.starts_with("--");
    if (long_option && arg.find('=') == arg.size() - 1) {
      out.push_back(arg.substr(0, arg.size() - 1));
      out.emplace_back();
      continue;
    }
    out.push_back(arg);
    if (long_option || (arg.size() == 2 && arg[0] == '-')) {
      // An option that takes a value, given apart: the next argument is that value.
      const CLI::Option* option = arg.find('=') == std::string::npos ? command->get_option_no_throw(arg) : nullptr;
      if (option && option->get_items_expected_max() > 0 && i + 1 < argc) out.emplace_back(argv[++i]);
      continue;
    }
    if (arg.size() > 1 && arg[0] == '-') continue;  // short flags together (-it)
    CLI::App* sub = nullptr;
    for (CLI::App* candidate : command->get_subcommands([](CLI::App*) { return true; })) {
      if (candidate->check_name(arg)) sub = candidate;
    }
    if (!sub) {  // the command's first positional argument: it and the rest stay as they are
      out.pop_back();
      break;
    }
    command = sub;
  }
  for (; i < argc; ++i) out.emplace_back(argv[i]);
  return out;
}

}  // namespace gantry::cli
