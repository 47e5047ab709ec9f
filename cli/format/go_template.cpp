#include "cli/format/go_template.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>
#include <variant>
#include <vector>

#include "base/error.h"

namespace gantry::cli {

// Ordered, so that {{json .}} writes an object's keys in the order its maker gave them, as Go
// writes a struct's fields; a map's keys are sorted wherever Go sorts them (printing, range).
using json = nlohmann::ordered_json;

namespace {

// One operand or the name of a function, with where it starts in the template.
struct Token {
  enum Kind { Field, Literal, Name, Pipe } kind;
  std::vector<std::string> path;  // Field: the keys after the dot; empty for `.` itself
  json literal;                   // Literal
  std::string name;               // Name
  std::size_t at = 0;
};
using Command = std::vector<Token>;     // a function and its arguments, or one operand
using Pipeline = std::vector<Command>;  // each command's value is the next one's last argument

struct Node;
using NodeList = std::vector<Node>;
struct Node {
  enum Kind { Text, Action, If, Range } kind;
  std::string text;
  Pipeline pipeline;
  NodeList body, otherwise;
  std::size_t at = 0;
};

const std::vector<std::string> kFunctions{"json", "index", "join", "lower", "upper", "printf"};

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

}  // namespace

struct GoTemplate::Tree {
  std::string text;
  NodeList nodes;

  // "template `TEXT`: LINE:COLUMN: what"
  [[noreturn]] void fail(std::size_t at, const std::string& what) const {
    std::size_t line = 1 + static_cast<std::size_t>(std::count(text.begin(), text.begin() + static_cast<long>(std::min(at, text.size())), '\n'));
    const auto last_newline = text.rfind('\n', at == 0 ? 0 : at - 1);
    std::size_t column = (at == 0 || last_newline == std::string::npos) ? at + 1 : at - last_newline;
    throw UsageError("template `" + text + "`: " + std::to_string(line) + ":" + std::to_string(column) + ": " + what);
  }
};

namespace {

// An action's text, split into the raw pieces of a template.
struct Piece {
  bool action;
  std::string text;
  std::size_t at;  // where the text (for an action, its inside) starts
};

std::vector<Piece> split_pieces(const GoTemplate::Tree& tree) {
  const std::string& t = tree.text;
  std::vector<Piece> pieces;
  std::size_t pos = 0;
  bool trim_next = false;
  while (pos <= t.size()) {
    const auto open = t.find("{{", pos);
    std::string text = t.substr(pos, open == std::string::npos ? std::string::npos : open - pos);
    std::size_t text_at = pos;
    if (trim_next) {
      const auto first = std::find_if_not(text.begin(), text.end(), is_space) - text.begin();
      text.erase(0, static_cast<std::size_t>(first));
      text_at += static_cast<std::size_t>(first);
    }
    if (open == std::string::npos) {
      if (!text.empty()) pieces.push_back({false, text, text_at});
      break;
    }
    std::size_t inside = open + 2;
    if (t.compare(inside, 2, "- ") == 0 || t.compare(inside, 2, "-\t") == 0 || t.compare(inside, 2, "-\n") == 0) {
      while (!text.empty() && is_space(text.back())) text.pop_back();
      inside += 1;
    }
    if (!text.empty()) pieces.push_back({false, text, text_at});
    // The action ends at the first }} outside a quoted string.
    std::size_t end = inside;
    char quote = 0;
    for (; end < t.size(); ++end) {
      if (quote) {
        if (t[end] == '\\' && quote == '"') ++end;
        else if (t[end] == quote) quote = 0;
      } else if (t[end] == '"' || t[end] == '`') {
        quote = t[end];
      } else if (t.compare(end, 2, "}}") == 0) {
        break;
      }
    }
    if (end >= t.size()) tree.fail(open, "unclosed action");
    std::size_t inside_end = end;
    trim_next = false;
    if (inside_end >= inside + 2 && t[inside_end - 1] == '-' && is_space(t[inside_end - 2])) {
      trim_next = true;
      --inside_end;
    }
    pieces.push_back({true, t.substr(inside, inside_end - inside), inside});
    pos = end + 2;
  }
  return pieces;
}

std::vector<Token> lex_action(const GoTemplate::Tree& tree, const Piece& piece) {
  std::vector<Token> tokens;
  const std::string& s = piece.text;
  std::size_t i = 0;
  while (i < s.size()) {
    const std::size_t at = piece.at + i;
    const char c = s[i];
    if (is_space(c)) {
      ++i;
    } else if (c == '|') {
      tokens.push_back({Token::Pipe, {}, {}, {}, at});
      ++i;
    } else if (c == '.') {
      Token field{Token::Field, {}, {}, {}, at};
      ++i;
      while (true) {
        std::size_t start = i;
        while (i < s.size() && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '_')) ++i;
        if (i > start) field.path.push_back(s.substr(start, i - start));
        else if (!field.path.empty() || (i < s.size() && s[i] == '.')) tree.fail(piece.at + i, "bad field name");
        if (i < s.size() && s[i] == '.') ++i;
        else break;
      }
      tokens.push_back(field);
    } else if (c == '"') {
      std::string value;
      ++i;
      for (; i < s.size() && s[i] != '"'; ++i) {
        if (s[i] != '\\') {
          value += s[i];
          continue;
        }
        if (++i >= s.size()) break;
        switch (s[i]) {
          case 'n': value += '\n'; break;
          case 't': value += '\t'; break;
          case '\\': value += '\\'; break;
          case '"': value += '"'; break;
          default: tree.fail(piece.at + i - 1, std::string("unknown escape \\") + s[i] + " in a string");
        }
      }
      if (i >= s.size()) tree.fail(at, "unterminated string");
      ++i;
      tokens.push_back({Token::Literal, {}, json(value), {}, at});
    } else if (c == '`') {
      const auto close = s.find('`', i + 1);
      if (close == std::string::npos) tree.fail(at, "unterminated raw string");
      tokens.push_back({Token::Literal, {}, json(s.substr(i + 1, close - i - 1)), {}, at});
      i = close + 1;
    } else if (std::isdigit(static_cast<unsigned char>(c)) || (c == '-' && i + 1 < s.size() && std::isdigit(static_cast<unsigned char>(s[i + 1])))) {
      std::size_t start = i++;
      while (i < s.size() && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '.')) ++i;
      const json number = json::parse(s.substr(start, i - start), nullptr, false);
      if (!number.is_number()) tree.fail(at, "bad number " + s.substr(start, i - start));
      tokens.push_back({Token::Literal, {}, number, {}, at});
    } else if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      std::size_t start = i;
      while (i < s.size() && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '_')) ++i;
      std::string word = s.substr(start, i - start);
      if (word == "true" || word == "false") tokens.push_back({Token::Literal, {}, json(word == "true"), {}, at});
      else if (word == "nil") tokens.push_back({Token::Literal, {}, json(nullptr), {}, at});
      else tokens.push_back({Token::Name, {}, {}, word, at});
    } else if (c == '$') {
      tree.fail(at, "variables ($) are not supported");
    } else if (c == '(' || c == ')') {
      tree.fail(at, "parentheses are not supported");
    } else {
      tree.fail(at, std::string("unexpected \"") + c + "\" in action");
    }
  }
  return tokens;
}

Pipeline parse_pipeline(const GoTemplate::Tree& tree, const std::vector<Token>& tokens, std::size_t from, std::size_t at) {
  Pipeline pipeline(1);
  for (std::size_t i = from; i < tokens.size(); ++i) {
    const Token& token = tokens[i];
    if (token.kind == Token::Pipe) {
      if (pipeline.back().empty()) tree.fail(token.at, "missing command before |");
      pipeline.emplace_back();
      continue;
    }
    if (token.kind == Token::Name && std::find(kFunctions.begin(), kFunctions.end(), token.name) == kFunctions.end())
      tree.fail(token.at, "function \"" + token.name + "\" not defined");
    pipeline.back().push_back(token);
  }
  if (pipeline.back().empty()) tree.fail(at, "missing value for command");
  for (std::size_t c = 0; c < pipeline.size(); ++c) {
    const Command& command = pipeline[c];
    if (command.front().kind != Token::Name && command.size() > 1)
      tree.fail(command[1].at, "can't give argument to non-function");
    if (c > 0 && command.front().kind != Token::Name) tree.fail(command.front().at, "non-function in a pipeline's later stage");
    for (std::size_t a = 1; a < command.size(); ++a)
      if (command[a].kind == Token::Name) tree.fail(command[a].at, "a function as an argument is not supported");
  }
  return pipeline;
}

// Builds the node tree from the pieces; `stop` is the keyword that ended a list (end, else).
class TreeParser {
 public:
  TreeParser(const GoTemplate::Tree& tree, std::vector<Piece> pieces) : tree_(tree), pieces_(std::move(pieces)) {}

  NodeList parse_all() {
    auto [nodes, stop] = parse_list();
    if (stop) tree_.fail(stop->at, "unexpected {{" + stop->keyword + "}}");
    return nodes;
  }

 private:
  struct Stop {
    std::string keyword;  // "end" or "else"
    std::vector<Token> tokens;
    std::size_t at;
  };

  std::pair<NodeList, std::optional<Stop>> parse_list() {
    NodeList nodes;
    while (next_ < pieces_.size()) {
      const Piece& piece = pieces_[next_++];
      if (!piece.action) {
        nodes.push_back({Node::Text, piece.text, {}, {}, {}, piece.at});
        continue;
      }
      const auto opening = piece.text.find_first_not_of(" \t\r\n");
      if (opening != std::string::npos && piece.text.compare(opening, 2, "/*") == 0) {  // {{/* a comment */}}
        const auto last = piece.text.find_last_not_of(" \t\r\n");
        if (last < opening + 3 || piece.text.compare(last - 1, 2, "*/") != 0) tree_.fail(piece.at + opening, "unclosed comment");
        continue;
      }
      std::vector<Token> tokens = lex_action(tree_, piece);
      if (tokens.empty()) tree_.fail(piece.at, "missing value for command");
      const Token& first = tokens.front();
      const std::string keyword = first.kind == Token::Name ? first.name : "";
      if (keyword == "end" || keyword == "else") return {std::move(nodes), Stop{keyword, tokens, first.at}};
      if (keyword == "if" || keyword == "range") {
        nodes.push_back(parse_block(keyword == "if" ? Node::If : Node::Range, keyword, tokens, first.at));
      } else if (keyword == "with" || keyword == "define" || keyword == "template" || keyword == "block") {
        tree_.fail(first.at, "{{" + keyword + "}} is not supported");
      } else {
        nodes.push_back({Node::Action, {}, parse_pipeline(tree_, tokens, 0, piece.at), {}, {}, piece.at});
      }
    }
    return {std::move(nodes), std::nullopt};
  }

  // if/range PIPELINE, a body, and an else (or else if) part, up to {{end}}.
  Node parse_block(Node::Kind kind, const std::string& keyword, const std::vector<Token>& tokens, std::size_t at) {
    Node node{kind, {}, parse_pipeline(tree_, tokens, 1, at), {}, {}, at};
    auto [body, stop] = parse_list();
    node.body = std::move(body);
    if (!stop) tree_.fail(at, "missing {{end}} for {{" + keyword + "}}");
    if (stop->keyword == "else") {
      if (stop->tokens.size() > 1 && stop->tokens[1].kind == Token::Name && stop->tokens[1].name == "if" && kind == Node::If) {
        // {{else if X}} is an {{if}} inside the else part that shares this {{end}}.
        std::vector<Token> rest(stop->tokens.begin() + 1, stop->tokens.end());
        node.otherwise.push_back(parse_block(Node::If, "if", rest, stop->at));
        return node;
      }
      if (stop->tokens.size() > 1) tree_.fail(stop->tokens[1].at, "unexpected words after {{else}}");
      auto [otherwise, end] = parse_list();
      node.otherwise = std::move(otherwise);
      if (!end || end->keyword != "end") tree_.fail(at, "missing {{end}} for {{" + keyword + "}}");
    }
    if (stop->keyword == "end" && stop->tokens.size() > 1) tree_.fail(stop->tokens[1].at, "unexpected words after {{end}}");
    return node;
  }

  const GoTemplate::Tree& tree_;
  std::vector<Piece> pieces_;
  std::size_t next_ = 0;
};

// Go's %v of a float64: the shortest digits that read back the same, in exponent form when the
// exponent is below -4 or at least 6 (fmt.Println(1e6) prints 1e+06).
std::string go_float(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buffer[64];
  int digits = 1;
  for (; digits < 17; ++digits) {
    std::snprintf(buffer, sizeof buffer, "%.*e", digits - 1, value);
    if (std::strtod(buffer, nullptr) == value) break;
  }
  std::snprintf(buffer, sizeof buffer, "%.*e", digits - 1, value);
  const int exponent = std::atoi(std::strchr(buffer, 'e') + 1);
  if (exponent < -4 || exponent >= 6) return buffer;
  std::snprintf(buffer, sizeof buffer, "%.*f", std::max(0, digits - 1 - exponent), value);
  return buffer;
}

// A list's elements in order, or a map's by sorted key (with the keys), as Go visits them.
std::vector<std::pair<std::string, const json*>> sorted_items(const json& value) {
  std::vector<std::pair<std::string, const json*>> items;
  for (auto it = value.begin(); it != value.end(); ++it)
    items.emplace_back(value.is_object() ? it.key() : std::string(), &*it);
  if (value.is_object())
    std::sort(items.begin(), items.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  return items;
}

std::string print_nested(const json& value) {
  if (value.is_null()) return "<nil>";
  if (value.is_string()) return value.get<std::string>();
  if (value.is_boolean()) return value.get<bool>() ? "true" : "false";
  if (value.is_number_float()) return go_float(value.get<double>());
  if (value.is_number()) return value.dump();
  std::string out = value.is_array() ? "[" : "map[";
  bool first = true;
  for (const auto& [key, element] : sorted_items(value)) {
    if (!first) out += ' ';
    first = false;
    if (value.is_object()) out += key + ":";
    out += print_nested(*element);
  }
  return out + "]";
}

bool truthy(const json& value) {
  if (value.is_null()) return false;
  if (value.is_boolean()) return value.get<bool>();
  if (value.is_number_float()) return value.get<double>() != 0;
  if (value.is_number()) return value.dump() != "0";
  if (value.is_string()) return !value.get<std::string>().empty();
  return !value.empty();
}

std::string type_name(const json& value) {
  if (value.is_string()) return "string";
  if (value.is_boolean()) return "bool";
  if (value.is_number_float()) return "float64";
  if (value.is_number()) return "int";
  if (value.is_array()) return "list";
  if (value.is_object()) return "map";
  return "nil";
}

class Evaluator {
 public:
  Evaluator(const GoTemplate::Tree& tree, bool header, const json* root = nullptr, const json* zeros = nullptr)
      : tree_(tree), header_(header), root_(root), zeros_(zeros) {}

  void run(const NodeList& nodes, const json& dot, std::string& out) const {
    for (const Node& node : nodes) {
      switch (node.kind) {
        case Node::Text: out += node.text; break;
        case Node::Action: out += go_print(pipeline(node.pipeline, dot)); break;
        case Node::If: run(truthy(pipeline(node.pipeline, dot)) ? node.body : node.otherwise, dot, out); break;
        case Node::Range: range(node, dot, out); break;
      }
    }
  }

 private:
  void range(const Node& node, const json& dot, std::string& out) const {
    const json list = pipeline(node.pipeline, dot);
    if (!list.is_null() && !list.is_array() && !list.is_object())
      tree_.fail(node.at, "range can't iterate over " + go_print(list));
    if (list.is_null() || list.empty()) {
      run(node.otherwise, dot, out);
      return;
    }
    for (const auto& item : sorted_items(list)) run(node.body, *item.second, out);  // a map's values by sorted key, as Go ranges
  }

  json pipeline(const Pipeline& pipeline, const json& dot) const {
    std::optional<json> previous;
    for (const Command& command : pipeline) previous = this->command(command, dot, previous);
    return *previous;
  }

  json command(const Command& command, const json& dot, const std::optional<json>& piped) const {
    const Token& head = command.front();
    if (head.kind != Token::Name) return operand(head, dot);
    std::vector<json> args;
    for (std::size_t i = 1; i < command.size(); ++i) args.push_back(operand(command[i], dot));
    if (piped) args.push_back(*piped);
    return call(head, args);
  }

  json operand(const Token& token, const json& dot) const {
    if (token.kind == Token::Literal) return token.literal;
    const json* value = &dot;
    const json* zero = &dot == root_ ? zeros_ : nullptr;  // the zero values beside `value`, if any
    for (const std::string& key : token.path) {
      if (value->is_null()) return nullptr;
      if (!value->is_object()) tree_.fail(token.at, "can't evaluate field " + key + " in type " + type_name(*value));
      const auto found = value->find(key);
      zero = zero && zero->is_object() && zero->contains(key) ? &zero->at(key) : nullptr;
      if (found == value->end() && !zero) return nullptr;  // a map's missing key, which prints <no value>
      value = found == value->end() ? zero : &*found;
    }
    return *value;
  }

  void want_args(const Token& function, const std::vector<json>& args, std::size_t count) const {
    if (args.size() != count)
      tree_.fail(function.at, "wrong number of args for " + function.name + ": want " + std::to_string(count) + " got " +
                                  std::to_string(args.size()));
  }

  std::string string_arg(const Token& function, const json& arg) const {
    if (!arg.is_string()) tree_.fail(function.at, function.name + ": wants a string, not " + type_name(arg));
    return arg.get<std::string>();
  }

  json call(const Token& function, const std::vector<json>& args) const {
    const std::string& name = function.name;
    if (header_ && (name == "json" || name == "join" || name == "lower" || name == "upper")) {
      if (args.empty()) tree_.fail(function.at, "wrong number of args for " + name + ": want 1 got 0");
      return args[0];
    }
    if (name == "json") {
      want_args(function, args, 1);
      return args[0].dump(-1, ' ', false, json::error_handler_t::replace);
    }
    if (name == "lower" || name == "upper") {
      want_args(function, args, 1);
      std::string text = string_arg(function, args[0]);
      for (char& c : text) c = static_cast<char>(name == "lower" ? std::tolower(static_cast<unsigned char>(c)) : std::toupper(static_cast<unsigned char>(c)));
      return text;
    }
    if (name == "join") {
      want_args(function, args, 2);
      if (!args[0].is_array() && !args[0].is_null()) tree_.fail(function.at, "join: wants a list, not " + type_name(args[0]));
      const std::string separator = string_arg(function, args[1]);
      std::string out;
      for (std::size_t i = 0; i < args[0].size(); ++i) out += (i ? separator : "") + print_nested(args[0][i]);
      return out;
    }
    if (name == "index") return index(function, args);
    return printf(function, args);
  }

  json index(const Token& function, const std::vector<json>& args) const {
    if (args.empty()) tree_.fail(function.at, "index: wants a map or list");
    json value = args[0];
    for (std::size_t i = 1; i < args.size(); ++i) {
      const json& key = args[i];
      if (value.is_object() && key.is_string()) {
        const auto found = value.find(key.get<std::string>());
        value = found == value.end() ? json(nullptr) : *found;
      } else if (value.is_array() && key.is_number_integer()) {
        const auto n = key.get<std::int64_t>();
        if (n < 0 || static_cast<std::size_t>(n) >= value.size())
          tree_.fail(function.at, "index: index out of range: " + std::to_string(n));
        value = json(value[static_cast<std::size_t>(n)]);
      } else if (value.is_null()) {
        return nullptr;
      } else {
        tree_.fail(function.at, "index: can't index " + type_name(value) + " with " + type_name(key));
      }
    }
    return value;
  }

  json printf(const Token& function, const std::vector<json>& args) const {
    if (args.empty()) tree_.fail(function.at, "printf: wants a format");
    const std::string format = string_arg(function, args[0]);
    std::string out;
    std::size_t next = 1;
    for (std::size_t i = 0; i < format.size(); ++i) {
      if (format[i] != '%') {
        out += format[i];
        continue;
      }
      if (++i >= format.size()) tree_.fail(function.at, "printf: format ends in %");
      const char verb = format[i];
      if (verb == '%') {
        out += '%';
        continue;
      }
      if (verb != 's' && verb != 'd' && verb != 'v')
        tree_.fail(function.at, std::string("printf: verb %") + verb + " is not supported (only %s, %d and %v)");
      if (next >= args.size()) {
        out += std::string("%!") + verb + "(MISSING)";  // as Go's fmt says it
        continue;
      }
      out += print_nested(args[next++]);
    }
    return out;
  }

  const GoTemplate::Tree& tree_;
  bool header_;
  const json* root_;   // the data render() was given
  const json* zeros_;  // its zero values, looked up for fields it leaves out
};

}  // namespace

std::string go_print(const nlohmann::ordered_json& value) { return value.is_null() ? "<no value>" : print_nested(value); }

GoTemplate::GoTemplate(const std::string& text) : tree_(std::make_unique<Tree>()) {
  tree_->text = text;
  tree_->nodes = TreeParser(*tree_, split_pieces(*tree_)).parse_all();
}

GoTemplate::~GoTemplate() = default;
GoTemplate::GoTemplate(GoTemplate&&) noexcept = default;
GoTemplate& GoTemplate::operator=(GoTemplate&&) noexcept = default;

std::string GoTemplate::render(const nlohmann::ordered_json& data) const {
  std::string out;
  Evaluator(*tree_, false).run(tree_->nodes, data, out);
  return out;
}

std::string GoTemplate::render(const nlohmann::ordered_json& data, const nlohmann::ordered_json& zero_values) const {
  std::string out;
  Evaluator(*tree_, false, &data, &zero_values).run(tree_->nodes, data, out);
  return out;
}

std::string GoTemplate::render_header(const nlohmann::ordered_json& column_names) const {
  std::string out;
  Evaluator(*tree_, true).run(tree_->nodes, column_names, out);
  return out;
}

}  // namespace gantry::cli
