#include "cli/strict_numbers.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>

namespace pare::cli {
namespace {

constexpr const char* kBitPattern = "bit pattern";

bool starts_with(const std::string& text, const char* prefix) { return text.rfind(prefix, 0) == 0; }

template <typename Integer>
std::string check_integer(const std::string& value, bool any_64_bits) {
  const bool negative = !value.empty() && value[0] == '-';
  const std::string digits = negative ? value.substr(1) : value;
  const bool decimal = !digits.empty() && digits.find_first_not_of("0123456789") == std::string::npos;
  if (!decimal || (negative && std::is_unsigned_v<Integer>)) {
    return value + std::string(" is not a ") +
           (std::is_unsigned_v<Integer> ? "whole number of 0 or more" : "whole number");
  }
  if (digits.size() > 1 && digits[0] == '0') return value + " has a leading zero (write it without)";
  Integer parsed{};
  const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), parsed);
  if (error != std::errc() || end != value.data() + value.size()) return value + " is too large";
  if (!any_64_bits && (parsed > static_cast<Integer>(kMaxOptionInteger) ||
                       (std::is_signed_v<Integer> && parsed < -static_cast<Integer>(kMaxOptionInteger)))) {
    return value + " is too large (pare takes whole numbers below 2^53 = 9007199254740992)";
  }
  return "";
}

std::string check_floating(const std::string& value) {
  // Decimal notation only: strtod would also read hexadecimal floats.
  if (value.find_first_not_of("0123456789+-.eE") != std::string::npos) return value + " is not a decimal number";
  char* end = nullptr;
  const double parsed = std::strtod(value.c_str(), &end);
  if (value.empty() || end != value.c_str() + value.size()) return value + " is not a number";
  if (!std::isfinite(parsed)) return value + " is not a finite number";
  return "";
}

bool is_bit_pattern(CLI::Option& option) {
  try {
    option.get_validator(kBitPattern);
    return true;
  } catch (const CLI::OptionNotFound&) {
    return false;
  }
}

void add_checks(CLI::App& app) {
  for (CLI::Option* option : app.get_options()) {
    const std::string type = option->get_type_name();
    const bool any_64_bits = is_bit_pattern(*option);
    if (starts_with(type, "UINT")) {
      option->check(
          CLI::Validator([any_64_bits](std::string& value) { return check_integer<std::uint64_t>(value, any_64_bits); },
                         "", "strict unsigned integer"));
    } else if (starts_with(type, "INT")) {
      option->check(
          CLI::Validator([any_64_bits](std::string& value) { return check_integer<std::int64_t>(value, any_64_bits); },
                         "", "strict integer"));
    } else if (starts_with(type, "FLOAT")) {
      option->check(CLI::Validator(check_floating, "", "finite number"));
    }
  }
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) add_checks(*sub);
}

}  // namespace

void require_strict_numbers(CLI::App& app) { add_checks(app); }

CLI::Validator between(std::int64_t min, std::int64_t max) {
  return CLI::Validator(
      [min, max](const std::string& value) -> std::string {
        // What is not a whole number in range of the type is the strict check's to refuse (every
        // integer option has it), in the words for the option's type.
        if (!check_integer<std::int64_t>(value, false).empty()) return "";
        std::int64_t parsed = 0;
        std::from_chars(value.data(), value.data() + value.size(), parsed);
        if (parsed < min) return value + " is less than " + std::to_string(min);
        if (parsed > max) return value + " is more than " + std::to_string(max);
        return "";
      },
      "", "in [" + std::to_string(min) + ", " + std::to_string(max) + "]");
}

CLI::Validator at_least(std::int64_t min) { return between(min, kMaxOptionInteger); }

CLI::Validator more_than_zero() {
  return CLI::Validator(
      [](const std::string& value) -> std::string {
        const std::string problem = check_floating(value);
        if (!problem.empty()) return problem;
        return std::strtod(value.c_str(), nullptr) > 0 ? "" : value + " is not more than 0";
      },
      "", "more than 0");
}

CLI::Validator bit_pattern() {
  return CLI::Validator([](const std::string&) { return std::string(); }, "", kBitPattern);
}

}  // namespace pare::cli
