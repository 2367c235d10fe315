// NamePattern: a regular expression over parameter names (a pruning config's op_names and exclude),
// matched against the whole name as NNI does. RE2 runs in time linear in the name whatever the
// pattern, so no config can stall pare with catastrophic backtracking; what RE2 cannot run that way
// (backreferences, lookaround) and patterns whose compiled program is too large are refused when
// the config is read.
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace re2 {
class RE2;
}

namespace pare {

class NamePattern {
 public:
  // Throws pare::Error saying why `pattern` is refused (RE2's reason).
  static NamePattern compile(const std::string& pattern);

  bool matches(std::string_view name) const;

 private:
  explicit NamePattern(std::shared_ptr<const re2::RE2> re) : re_(std::move(re)) {}

  std::shared_ptr<const re2::RE2> re_;
};

}  // namespace pare
