// chmod(1)'s symbolic modes, as COPY --chmod and ADD --chmod take them since Dockerfile 1.14
// ("u+x,g=rx", "+x", "a-w", "go=u"): a change applied to each copied file's own mode, with a
// umask of 0 (as BuildKit applies it), rather than one mode for every file.
//
//   SymbolicMode m = SymbolicMode::parse("u+x,g-w");
//   m.apply(0664, false) -> 0744
//
// Grammar: clauses separated by ','; a clause is who letters (u g o a; none means all) and
// then one or more actions, each an operator (+ - =) and either permission letters
// (r w x X s t) or one class to copy from (u g o). `X` is execute for a directory or for a
// file that already had an execute bit before the change. `s` sets set-user-ID and/or
// set-group-ID for the classes named (both when none), `t` the sticky bit.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace gantry {

class SymbolicMode {
 public:
  // Throws Error "invalid chmod value `TEXT`: ..." when `text` is not a symbolic mode.
  static SymbolicMode parse(std::string_view text);

  // The permission bits (07777) of a file whose bits were `mode`, after the change.
  std::uint32_t apply(std::uint32_t mode, bool is_directory) const;

 private:
  struct Action {
    std::uint32_t who = 0;             // the bits the clause may touch
    char op = '+';
    std::uint32_t bits = 0;            // from r w x s t
    bool conditional_execute = false;  // X
    char copy_from = 0;                // 'u', 'g', 'o', or 0
    bool sticky = false;               // t, which `who` cannot express for u/g/o alone
  };
  std::vector<Action> actions_;
};

}  // namespace gantry
