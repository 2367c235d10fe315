#include "prune/name_pattern.h"

#include <re2/re2.h>

#include "runtime/error.h"

namespace pare {
namespace {

// RE2's memory budget for one compiled pattern. Names are matched one at a time, so a pattern that
// needs more than this is far beyond any selection of parameters.
constexpr std::int64_t kMaxPatternMemory = std::int64_t{1} << 20;

}  // namespace

NamePattern NamePattern::compile(const std::string& pattern) {
  RE2::Options options;
  options.set_log_errors(false);  // the reason is reported through pare::Error
  options.set_max_mem(kMaxPatternMemory);
  auto re = std::make_shared<const re2::RE2>(pattern, options);
  PARE_CHECK(re->ok(), re->error());
  return NamePattern(std::move(re));
}

bool NamePattern::matches(std::string_view name) const { return RE2::FullMatch(name, *re_); }

}  // namespace pare
