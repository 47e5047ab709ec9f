#include "base/symbolic_mode.h"

#include <string>

#include "base/error.h"

namespace gantry {

namespace {

constexpr std::uint32_t kUser = 04700;   // set-user-ID and rwx of the owner
constexpr std::uint32_t kGroup = 02070;  // set-group-ID and rwx of the group
constexpr std::uint32_t kOther = 00007;
constexpr std::uint32_t kSticky = 01000;

std::uint32_t class_bits(char who) {
  switch (who) {
    case 'u': return kUser;
    case 'g': return kGroup;
    case 'o': return kOther;
    case 'a': return kUser | kGroup | kOther;
    default: return 0;
  }
}

// The three rwx bits of class `who` in `mode`, copied to every class.
std::uint32_t copied_class(std::uint32_t mode, char who) {
  const int shift = who == 'u' ? 6 : who == 'g' ? 3 : 0;
  return ((mode >> shift) & 7) * 0111;
}

}  // namespace

SymbolicMode SymbolicMode::parse(std::string_view text) {
  auto fail = [&](const std::string& what) -> void {
    throw Error("invalid chmod value `" + std::string(text) + "`: " + what);
  };
  SymbolicMode out;
  if (text.empty()) fail("empty");
  std::size_t pos = 0;
  while (true) {
    std::uint32_t who = 0;
    while (pos < text.size() && class_bits(text[pos]) != 0) who |= class_bits(text[pos++]);
    if (who == 0) who = class_bits('a');  // no class: all of them, through a umask of 0
    if (pos == text.size() || text[pos] == ',') fail("expected + - or = after the classes");
    while (pos < text.size() && text[pos] != ',') {
      Action action{.who = who, .op = text[pos]};
      if (action.op != '+' && action.op != '-' && action.op != '=')
        fail("unexpected `" + std::string(1, text[pos]) + "` (expected + - or =)");
      ++pos;
      if (pos < text.size() && (text[pos] == 'u' || text[pos] == 'g' || text[pos] == 'o')) {
        action.copy_from = text[pos++];
      } else {
        for (; pos < text.size() && std::string_view("rwxXst").find(text[pos]) != std::string_view::npos; ++pos) {
          switch (text[pos]) {
            case 'r': action.bits |= 0444; break;
            case 'w': action.bits |= 0222; break;
            case 'x': action.bits |= 0111; break;
            // Taking execute away needs no condition: X removes it as x does.
            case 'X':
              if (action.op == '-') action.bits |= 0111;
              else action.conditional_execute = true;
              break;
            case 's': action.bits |= 06000; break;
            // The sticky bit belongs to no class: `o+t` is no change, as in BSD's chmod.
            case 't': action.sticky = (who & (kUser | kGroup)) != 0; break;
          }
        }
      }
      if (pos < text.size() && text[pos] != ',' && text[pos] != '+' && text[pos] != '-' && text[pos] != '=')
        fail("unexpected `" + std::string(1, text[pos]) + "`");
      out.actions_.push_back(action);
    }
    if (pos == text.size()) break;
    ++pos;  // the ','
    if (pos == text.size()) fail("ends with `,`");
  }
  return out;
}

std::uint32_t SymbolicMode::apply(std::uint32_t mode, bool is_directory) const {
  const std::uint32_t original = mode & 07777;
  std::uint32_t m = original;
  for (const Action& a : actions_) {
    std::uint32_t bits = a.copy_from ? copied_class(m, a.copy_from) : a.bits;
    // X looks at the file as it was before this change, as BSD's chmod and BuildKit do.
    if (a.conditional_execute && (is_directory || (original & 0111) != 0)) bits |= 0111;
    const std::uint32_t change = (bits & a.who) | (a.sticky ? kSticky : 0);
    switch (a.op) {
      case '+': m |= change; break;
      case '-': m &= ~change; break;
      case '=': m = (m & ~a.who) | change; break;
    }
  }
  return m;
}

}  // namespace gantry
