#include "cli/strict_numbers.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>

namespace pare::cli {
namespace {

bool starts_with(const std::string& text, const char* prefix) { return text.rfind(prefix, 0) == 0; }

template <typename Integer>
std::string check_integer(const std::string& value) {
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

void add_checks(CLI::App& app) {
  for (CLI::Option* option : app.get_options()) {
    const std::string type = option->get_type_name();
    if (starts_with(type, "UINT")) {
      option->check(CLI::Validator(check_integer<std::uint64_t>, "", "strict unsigned integer"));
    } else if (starts_with(type, "INT")) {
      option->check(CLI::Validator(check_integer<std::int64_t>, "", "strict integer"));
    } else if (starts_with(type, "FLOAT")) {
      option->check(CLI::Validator(check_floating, "", "finite number"));
    }
  }
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) add_checks(*sub);
}

}  // namespace

void require_strict_numbers(CLI::App& app) { add_checks(app); }

CLI::Validator at_least(std::int64_t min) {
  return CLI::Validator(
      [min](const std::string& value) -> std::string {
        const std::string problem = check_integer<std::int64_t>(value);
        if (!problem.empty()) return problem;
        std::int64_t parsed = 0;
        std::from_chars(value.data(), value.data() + value.size(), parsed);
        return parsed < min ? value + " is less than " + std::to_string(min) : "";
      },
      "", "at least " + std::to_string(min));
}

}  // namespace pare::cli
