// A --format template: the subset of Go's text/template that docker users write, evaluated
// against a JSON value. Text and {{actions}}: fields (.A.B, .), string and number literals,
// pipelines (a | f), {{/* comments */}}, if/else/end, range/else/end, and docker's functions json, index, join,
// lower, upper, printf (%s, %d, %v). {{- and -}} trim the whitespace beside them. Values print
// as Go prints them: a list as [a b], a map as map[k:v] with sorted keys, a missing field as
// <no value>. Parsing happens once, in the constructor; render() may run many times. The data is
// an ordered JSON value so that `json` writes an object's keys in the order they were put in, as
// Go writes a struct's fields (a plain nlohmann::json converts, its keys sorted as Go sorts a map's).
#pragma once

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

namespace gantry::cli {

class GoTemplate {
 public:
  // Throws UsageError "template `TEXT`: LINE:COLUMN: what is wrong" for a malformed template
  // (an unknown function, an unclosed action, a missing {{end}}).
  explicit GoTemplate(const std::string& text);
  ~GoTemplate();
  GoTemplate(GoTemplate&&) noexcept;
  GoTemplate& operator=(GoTemplate&&) noexcept;

  // The text the template makes of `data`. Throws UsageError naming the template and the
  // action when the data does not fit it (a field of a string, a range over a number).
  std::string render(const nlohmann::ordered_json& data) const;
  // As render(data), where a field that `data` leaves out but `zero_values` has (at the same
  // path from the top) holds that value: docker evaluates its templates on Go structs, whose
  // fields that JSON leaves out (omitempty) still hold their type's zero value, so that
  // {{.Config.User}} prints "" and {{.Config.Env}} prints [] rather than <no value>.
  std::string render(const nlohmann::ordered_json& data, const nlohmann::ordered_json& zero_values) const;

  // A table's header row, as docker makes it: the template on the column names, with json, join,
  // lower and upper giving back their first argument so that a column keeps its name.
  std::string render_header(const nlohmann::ordered_json& column_names) const;

  struct Tree;

 private:
  std::unique_ptr<Tree> tree_;
};

// A value as Go's fmt prints it with %v (nil at top level as <no value>, as text/template does).
std::string go_print(const nlohmann::ordered_json& value);

}  // namespace gantry::cli
