// Typed Dockerfile instructions: each parser node checked (argument count, forms, flags) and
// turned into a struct. Words are still unexpanded here: variables are expanded while lowering,
// when the environment of the stage is known.
//
// Errors are gantry::Error "<file>:<line>: <what is wrong>", e.g.
// "Dockerfile:12: unknown instruction: CPOY (did you mean COPY?)" or
// "Dockerfile:3: unknown flag: --chwon (did you mean --chown?)".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "frontend/dockerfile/parser.h"

namespace gantry::frontend {

struct KeyValue {
  std::string key;
  std::string value;
  bool legacy_form = false;  // `ENV key value`, without '=' (a build check warns of it)
};

struct ArgDeclaration {
  std::string name;
  std::optional<std::string> default_value;
};

// A heredoc body given to RUN/COPY/ADD, with `<<-` tab stripping already applied.
struct InlineFile {
  std::string name;
  std::string data;
  bool expand = true;
};

struct FromInstruction {
  std::string image;
  std::string stage_name;  // lower case; "" when there is no `AS name`
  std::string platform;    // --platform, unexpanded
};
struct ArgInstruction { std::vector<ArgDeclaration> args; };
struct EnvInstruction { std::vector<KeyValue> vars; };
struct LabelInstruction { std::vector<KeyValue> labels; };
struct MaintainerInstruction { std::string name; };

// RUN, CMD, ENTRYPOINT: `shell_form` args are one command string for SHELL.
struct RunInstruction {
  std::vector<std::string> args;
  bool shell_form = true;
  std::vector<std::string> mounts;  // each --mount value
  std::string network;              // --network
  std::string security;             // --security
  std::vector<InlineFile> heredocs;
};
struct CmdInstruction {
  std::vector<std::string> args;
  bool shell_form = true;
};
struct EntrypointInstruction {
  std::vector<std::string> args;
  bool shell_form = true;
};
struct ShellInstruction { std::vector<std::string> shell; };

// COPY and ADD.
struct CopyInstruction {
  bool is_add = false;
  std::vector<std::string> sources;  // heredoc sources are in `inline_files` instead
  std::string dest;
  std::string from, chown, chmod, checksum;
  bool link = false, parents = false, keep_git_dir = false;
  std::vector<std::string> excludes;
  std::vector<InlineFile> inline_files;
};

struct WorkdirInstruction { std::string path; };
struct UserInstruction { std::string user; };
struct ExposeInstruction { std::vector<std::string> ports; };
struct VolumeInstruction { std::vector<std::string> paths; };
struct StopSignalInstruction { std::string signal; };

struct HealthcheckInstruction {
  bool none = false;
  std::vector<std::string> test;  // {"CMD", argv...} or {"CMD-SHELL", command}
  std::int64_t interval_ns = 0, timeout_ns = 0, start_period_ns = 0, start_interval_ns = 0;
  int retries = 0;
};
struct OnbuildInstruction { std::string expression; };  // the trigger line, as written

using InstructionBody =
    std::variant<FromInstruction, ArgInstruction, EnvInstruction, LabelInstruction,
                 MaintainerInstruction, RunInstruction, CmdInstruction, EntrypointInstruction,
                 ShellInstruction, CopyInstruction, WorkdirInstruction, UserInstruction,
                 ExposeInstruction, VolumeInstruction, StopSignalInstruction,
                 HealthcheckInstruction, OnbuildInstruction>;

struct Instruction {
  std::string keyword;  // upper case, e.g. "RUN"
  std::string text;     // the instruction after its keyword, as written (for messages/history)
  int line = 0;         // start line
  int end_line = 0;
  InstructionBody body;
  std::vector<std::string> comments;  // the comment lines right above it (Ast::comments)
};

// Checks one parser node. `file_name` prefixes error messages.
Instruction parse_instruction(const Ast& ast, const Node& node, const std::string& file_name);

// Go's time.ParseDuration ("1m30s", "500ms"), in nanoseconds; throws Error on bad input.
std::int64_t parse_duration(std::string_view text);

}  // namespace gantry::frontend
