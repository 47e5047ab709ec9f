#include "frontend/dockerfile/instructions.h"

#include <array>
#include <map>

#include "base/error.h"
#include "frontend/dockerfile/suggest.h"
#include "frontend/dockerfile/text.h"

namespace gantry::frontend {

namespace {

constexpr std::array<std::string_view, 18> kInstructions = {
    "ADD",    "ARG",  "CMD",     "COPY",       "ENTRYPOINT", "ENV",     "EXPOSE",
    "FROM",   "HEALTHCHECK", "LABEL", "MAINTAINER", "ONBUILD", "RUN",     "SHELL",
    "STOPSIGNAL", "USER", "VOLUME", "WORKDIR"};

enum class FlagKind { Bool, String, List };
struct FlagSpec {
  std::string_view name;
  FlagKind kind;
};

// The flags each instruction accepts.
std::vector<FlagSpec> flags_of(std::string_view keyword) {
  using K = FlagKind;
  if (keyword == "ADD")
    return {{"chown", K::String}, {"chmod", K::String}, {"link", K::Bool},
            {"keep-git-dir", K::Bool}, {"checksum", K::String}, {"exclude", K::List}};
  if (keyword == "COPY")
    return {{"from", K::String}, {"chown", K::String}, {"chmod", K::String}, {"link", K::Bool},
            {"parents", K::Bool}, {"exclude", K::List}};
  if (keyword == "FROM") return {{"platform", K::String}};
  if (keyword == "RUN") return {{"mount", K::List}, {"network", K::String}, {"security", K::String}};
  if (keyword == "HEALTHCHECK")
    return {{"interval", K::String}, {"timeout", K::String}, {"start-period", K::String},
            {"start-interval", K::String}, {"retries", K::String}};
  return {};
}

struct ParsedFlags {
  std::map<std::string, std::vector<std::string>, std::less<>> values;
  bool has(std::string_view name) const { return values.count(name) > 0; }
  std::string get(std::string_view name) const {
    auto it = values.find(name);
    return it == values.end() || it->second.empty() ? "" : it->second.back();
  }
  std::vector<std::string> list(std::string_view name) const {
    auto it = values.find(name);
    return it == values.end() ? std::vector<std::string>{} : it->second;
  }
};

class NodeReader {
 public:
  NodeReader(const Ast& ast, const Node& node, const std::string& file_name)
      : ast_(ast), node_(node), file_name_(file_name), keyword_(to_upper(ast.keyword(node))) {}

  [[noreturn]] void fail(const std::string& what) const {
    throw Error(file_name_ + ":" + std::to_string(node_.start_line) + ": " + what);
  }

  const std::string& keyword() const { return keyword_; }
  std::vector<std::string> args() const {
    std::vector<std::string> out;
    for (std::string_view a : ast_.args(node_)) {
      // Only a JSON string can hold one (\u0000; the parser refuses NUL bytes): it would cut the
      // command line or path it ends up in.
      if (a.find('\0') != std::string_view::npos)
        fail("NUL character (\\u0000) in the argument " + go_quote(a));
      out.emplace_back(a);
    }
    return out;
  }
  bool json() const { return node_.json; }

  ParsedFlags flags() const {
    std::vector<FlagSpec> specs = flags_of(keyword_);
    std::vector<std::string_view> names;
    std::vector<std::string> dashed;
    for (const FlagSpec& s : specs) dashed.push_back("--" + std::string(s.name));
    for (const std::string& d : dashed) names.push_back(d);
    ParsedFlags parsed;
    for (std::string_view word : ast_.flags(node_)) {
      std::string_view body = word.substr(2);
      std::size_t eq = body.find('=');
      std::string_view name = body.substr(0, eq);
      const FlagSpec* spec = nullptr;
      for (const FlagSpec& s : specs)
        if (s.name == name) spec = &s;
      if (!spec) fail("unknown flag: --" + std::string(name) + did_you_mean("--" + std::string(name), names));
      std::optional<std::string> value;
      if (eq != std::string_view::npos) value = std::string(body.substr(eq + 1));
      auto& slot = parsed.values[std::string(name)];
      switch (spec->kind) {
        case FlagKind::Bool:
          if (value && *value != "true" && *value != "false")
            fail("expecting boolean value for flag --" + std::string(name) + ", not: " + *value);
          if (!slot.empty()) fail("duplicate flag specified: --" + std::string(name));
          slot.push_back(value.value_or("true"));
          break;
        case FlagKind::String:
          if (!value) fail("missing a value on flag: --" + std::string(name));
          if (!slot.empty()) fail("duplicate flag specified: --" + std::string(name));
          slot.push_back(*value);
          break;
        case FlagKind::List:
          if (!value) fail("missing a value on flag: --" + std::string(name));
          slot.push_back(*value);
          break;
      }
    }
    return parsed;
  }

  std::vector<InlineFile> inline_files() const {
    std::vector<InlineFile> files;
    for (const Heredoc& h : ast_.heredocs(node_)) {
      std::string data(h.content);
      if (h.chomp) data = strip_leading_tabs(data);
      files.push_back({std::string(h.name), std::move(data), h.expand});
    }
    return files;
  }

  std::string text() const {
    std::string_view t = trim_space(ast_.original(node_));
    std::size_t k = 0;
    while (k < t.size() && !is_blank(t[k])) ++k;
    return std::string(trim_space(t.substr(k)));
  }

 private:
  static std::string to_upper(std::string_view s) {
    std::string out(s);
    for (char& c : out)
      if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    return out;
  }
  static std::string strip_leading_tabs(const std::string& data) {
    std::string out;
    bool line_start = true;
    for (char c : data) {
      if (line_start && c == '\t') continue;
      line_start = c == '\n';
      out += c;
    }
    return out;
  }

  const Ast& ast_;
  const Node& node_;
  const std::string& file_name_;
  std::string keyword_;
};

std::vector<KeyValue> key_values(const NodeReader& r, std::vector<std::string> args) {
  if (args.empty()) r.fail(r.keyword() + " requires at least one argument");
  std::vector<KeyValue> out;
  for (std::size_t i = 0; i + 1 < args.size(); i += 3)  // key, value, separator
    out.push_back({args[i], args[i + 1], i + 2 < args.size() && args[i + 2].empty()});
  return out;
}

InstructionBody parse_body(const NodeReader& r, const Ast& ast, const Node& node,
                           const std::string& file_name) {
  const std::string& k = r.keyword();
  ParsedFlags flags = r.flags();
  std::vector<std::string> args = r.args();

  if (k == "FROM") {
    if (args.size() != 1 && args.size() != 3) r.fail("FROM requires either one or three arguments");
    FromInstruction from{args[0], "", flags.get("platform")};
    if (args.size() == 3) {
      if (!iequals(args[1], "AS")) r.fail("FROM requires either one or three arguments (expected AS, got " + args[1] + ")");
      from.stage_name = to_lower(args[2]);
      bool valid = !from.stage_name.empty() && from.stage_name[0] >= 'a' && from.stage_name[0] <= 'z';
      for (char c : from.stage_name)
        valid = valid && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.');
      if (!valid)
        r.fail("invalid name for build stage: " + go_quote(args[2]) +
               ", name can't start with a number or contain symbols");
    }
    return from;
  }
  if (k == "ARG") {
    if (args.empty()) r.fail("ARG requires at least one argument");
    ArgInstruction arg;
    for (const std::string& word : args) {
      std::size_t eq = word.find('=');
      ArgDeclaration decl{word.substr(0, eq), std::nullopt};
      if (eq != std::string::npos) decl.default_value = word.substr(eq + 1);
      if (decl.name.empty()) r.fail("ARG names can not be blank");
      arg.args.push_back(std::move(decl));
    }
    return arg;
  }
  if (k == "ENV") return EnvInstruction{key_values(r, args)};
  if (k == "LABEL") return LabelInstruction{key_values(r, args)};
  if (k == "MAINTAINER") {
    if (args.empty()) r.fail("MAINTAINER requires exactly one argument");
    return MaintainerInstruction{args[0]};
  }
  if (k == "RUN") {
    if (args.empty()) r.fail("RUN requires at least one argument");
    RunInstruction run{args, !r.json(), flags.list("mount"), flags.get("network"), flags.get("security"),
                       r.inline_files()};
    if (!run.network.empty() && run.network != "default" && run.network != "none" && run.network != "host")
      r.fail("invalid --network value: " + run.network + " (expected default, none or host)");
    if (!run.security.empty() && run.security != "sandbox" && run.security != "insecure")
      r.fail("invalid --security value: " + run.security + " (expected sandbox or insecure)");
    return run;
  }
  if (k == "CMD") return CmdInstruction{args, !r.json()};
  if (k == "ENTRYPOINT") return EntrypointInstruction{args, !r.json()};
  if (k == "SHELL") {
    if (!r.json()) r.fail("SHELL requires the arguments to be in JSON form");
    if (args.empty()) r.fail("SHELL requires at least one argument");
    return ShellInstruction{args};
  }
  if (k == "ADD" || k == "COPY") {
    CopyInstruction copy;
    copy.is_add = k == "ADD";
    copy.inline_files = r.inline_files();
    if (args.size() < 2) {
      r.fail(k + " requires at least two arguments, but only " + (args.empty() ? "none" : "one") +
             " was provided. Destination could not be determined.");
    }
    copy.dest = args.back();
    for (std::size_t i = 0; i + 1 < args.size(); ++i) {
      bool inline_source = false;
      for (const InlineFile& f : copy.inline_files) {
        HeredocWord h;
        if (parse_heredoc_word(args[i], &h) && h.name == f.name) inline_source = true;
      }
      if (!inline_source) copy.sources.push_back(args[i]);
    }
    copy.from = flags.get("from");
    copy.chown = flags.get("chown");
    copy.chmod = flags.get("chmod");
    copy.checksum = flags.get("checksum");
    copy.link = flags.get("link") == "true";
    copy.parents = flags.get("parents") == "true";
    copy.keep_git_dir = flags.get("keep-git-dir") == "true";
    copy.excludes = flags.list("exclude");
    return copy;
  }
  if (k == "WORKDIR") {
    if (args.size() != 1) r.fail("WORKDIR requires exactly one argument");
    return WorkdirInstruction{args[0]};
  }
  if (k == "USER") {
    if (args.size() != 1) r.fail("USER requires exactly one argument");
    return UserInstruction{args[0]};
  }
  if (k == "EXPOSE") {
    if (args.empty()) r.fail("EXPOSE requires at least one argument");
    return ExposeInstruction{args};
  }
  if (k == "VOLUME") {
    if (args.empty()) r.fail("VOLUME requires at least one argument");
    return VolumeInstruction{args};
  }
  if (k == "STOPSIGNAL") {
    if (args.size() != 1) r.fail("STOPSIGNAL requires exactly one argument");
    return StopSignalInstruction{args[0]};
  }
  if (k == "HEALTHCHECK") {
    if (args.empty()) r.fail("HEALTHCHECK requires at least one argument");
    HealthcheckInstruction hc;
    std::string type = to_lower(args[0]);
    if (type == "none") {
      if (args.size() != 1) r.fail("HEALTHCHECK NONE takes no arguments");
      if (!flags.values.empty()) r.fail("HEALTHCHECK NONE takes no flags");
      hc.none = true;
      return hc;
    }
    if (type != "cmd") r.fail("Unknown type " + go_quote(args[0]) + " in HEALTHCHECK (try CMD)");
    if (args.size() < 2) r.fail("Missing command after HEALTHCHECK CMD");
    if (r.json()) {
      hc.test = {"CMD"};
      hc.test.insert(hc.test.end(), args.begin() + 1, args.end());
    } else {
      hc.test = {"CMD-SHELL", args[1]};
    }
    auto duration = [&](std::string_view name) -> std::int64_t {
      std::string v = flags.get(name);
      if (v.empty()) return 0;
      std::int64_t ns = 0;
      try {
        ns = parse_duration(v);
      } catch (const Error& e) {
        r.fail("--" + std::string(name) + ": " + e.what());
      }
      if (ns != 0 && ns < 1'000'000) r.fail("--" + std::string(name) + " cannot be less than 1ms");
      if (ns < 0) r.fail("--" + std::string(name) + " cannot be negative");
      return ns;
    };
    hc.interval_ns = duration("interval");
    hc.timeout_ns = duration("timeout");
    hc.start_period_ns = duration("start-period");
    hc.start_interval_ns = duration("start-interval");
    if (flags.has("retries")) {
      std::string v = flags.get("retries");
      std::size_t used = 0;
      try {
        hc.retries = std::stoi(v, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (used != v.size() || v.empty()) r.fail("--retries: invalid number " + go_quote(v));
      if (hc.retries < 0) r.fail("--retries cannot be negative (" + v + ")");
    }
    return hc;
  }
  if (k == "ONBUILD") {
    const Node* sub = ast.sub(node);
    if (!sub) r.fail("ONBUILD requires at least one argument");
    std::string trigger = NodeReader(ast, *sub, file_name).keyword();
    if (trigger == "ONBUILD") r.fail("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
    if (trigger == "FROM" || trigger == "MAINTAINER") r.fail(trigger + " isn't allowed as an ONBUILD trigger");
    return OnbuildInstruction{std::string(trim_space(ast.original(*sub)))};
  }
  std::string_view keyword = ast.keyword(node);
  r.fail("unknown instruction: " + std::string(keyword) + did_you_mean(keyword, kInstructions));
}

}  // namespace

Instruction parse_instruction(const Ast& ast, const Node& node, const std::string& file_name) {
  NodeReader reader(ast, node, file_name);
  Instruction ins{reader.keyword(), reader.text(), node.start_line, node.end_line,
                  parse_body(reader, ast, node, file_name), {}};
  for (std::string_view comment : ast.comments(node)) ins.comments.emplace_back(comment);
  return ins;
}

std::int64_t parse_duration(std::string_view text) {
  std::string_view s = text;
  bool negative = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return 0;
  if (s.empty()) throw Error("invalid duration " + go_quote(text));
  long double total = 0;
  while (!s.empty()) {
    std::size_t i = 0;
    while (i < s.size() && ((s[i] >= '0' && s[i] <= '9') || s[i] == '.')) ++i;
    if (i == 0) throw Error("invalid duration " + go_quote(text));
    long double number = 0;
    try {
      number = std::stold(std::string(s.substr(0, i)));
    } catch (const std::exception&) {
      throw Error("invalid duration " + go_quote(text));
    }
    s.remove_prefix(i);
    std::size_t u = 0;
    while (u < s.size() && !((s[u] >= '0' && s[u] <= '9') || s[u] == '.')) ++u;
    std::string_view unit = s.substr(0, u);
    s.remove_prefix(u);
    long double scale = unit == "ns" ? 1 : (unit == "us" || unit == "µs") ? 1e3 : unit == "ms" ? 1e6
                      : unit == "s" ? 1e9 : unit == "m" ? 60e9 : unit == "h" ? 3600e9 : -1;
    if (scale < 0) {
      throw Error(unit.empty() ? "missing unit in duration " + go_quote(text)
                               : "unknown unit " + go_quote(unit) + " in duration " + go_quote(text));
    }
    total += number * scale;
    if (total > 9.2e18L) throw Error("invalid duration " + go_quote(text));
  }
  auto ns = static_cast<std::int64_t>(total);
  return negative ? -ns : ns;
}

}  // namespace gantry::frontend
