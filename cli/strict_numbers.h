// CLI11 converts numbers with strtoll/strtoull/strtold, so `--steps 99999999999999999999` becomes
// INT64_MAX, `--seed -5` 2^64 - 5, `--seq 010` 8 and `--lr 1e400` infinity, all silently. This
// checks every numeric option of every command before conversion: integers in plain decimal (no
// sign on unsigned ones) below 2^53, as in every JSON file pare reads (runtime/io/json_reader.h:
// beyond 2^53 JSON tools disagree on a number, and no count pare takes comes near it), floating-point
// values finite; anything else is a usage error naming the option and the value. A seed is a bit
// pattern rather than a quantity and takes any 64-bit value (bit_pattern()).
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>

#include "runtime/io/json_reader.h"  // kJsonIntegerMax

namespace pare::cli {

// The largest whole number an option takes unless it is a bit pattern: 2^53 - 1, as a JSON field.
inline constexpr std::int64_t kMaxOptionInteger = kJsonIntegerMax;

// Adds the checks to every INT, UINT and FLOAT option of `app` and its subcommands, recursively.
// Call it after every option is declared.
void require_strict_numbers(CLI::App& app);

// A whole number in [min, max]; unlike CLI::Range, whose message spells out the range up to DBL_MAX
// in 309 digits, the refusal says "0 is less than 1".
CLI::Validator between(std::int64_t min, std::int64_t max);
// between(min, kMaxOptionInteger).
CLI::Validator at_least(std::int64_t min);
// A number above 0 (a floating-point option such as --epochs, where 0 would mean "not given").
CLI::Validator more_than_zero();
// Marks an integer option whose value is a bit pattern (a seed): any 64-bit value.
CLI::Validator bit_pattern();

}  // namespace pare::cli
