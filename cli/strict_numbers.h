// CLI11 converts numbers with strtoll/strtoull/strtold, so `--steps 99999999999999999999` becomes
// INT64_MAX, `--seed -5` 2^64 - 5, `--seq 010` 8 and `--lr 1e400` infinity, all silently. This
// checks every numeric option of every command before conversion: integers in plain decimal that
// fit 64 bits (no sign on unsigned ones), floating-point values finite; anything else is a usage
// error naming the option and the value.
#pragma once

#include <CLI/CLI.hpp>

namespace pare::cli {

// Adds the checks to every INT, UINT and FLOAT option of `app` and its subcommands, recursively.
void require_strict_numbers(CLI::App& app);

// A whole number of at least `min`; unlike CLI::PositiveNumber, whose message spells out the range
// up to DBL_MAX in 309 digits, the refusal says "0 is less than 1".
CLI::Validator at_least(std::int64_t min);

}  // namespace pare::cli
