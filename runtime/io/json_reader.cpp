#include "runtime/io/json_reader.h"

#include <cmath>
#include <sstream>
#include <utility>  // std::cmp_less, std::cmp_greater

#include "runtime/error.h"
#include "runtime/io/json_path.h"

namespace pare {
namespace {

using nlohmann::json;

// A value as the messages show it: its JSON text, cut short when long (a whole vocabulary). The
// parser keeps JSON's -0 as the double -0.0; it is shown -0, as it is most likely written.
std::string shown(const json& value) {
  constexpr std::size_t kLongest = 200;
  if (value.is_number_float() && value.get<double>() == 0.0 && std::signbit(value.get<double>())) return "-0";
  std::string text = value.dump();
  if (text.size() > kLongest) text = text.substr(0, kLongest) + "...";
  return text;
}

std::string field(const std::string& path) {
  return path.empty() ? std::string("the document") : "field \"" + path + "\"";
}

[[noreturn]] void refuse(const json& value, const std::string& source, const std::string& path,
                         const std::string& expected) {
  throw Error(source + ": " + field(path) + " must be " + expected + ", got " + shown(value));
}

std::string number_text(double v) {
  std::ostringstream out;
  out << v;
  return out.str();
}

// An integer bound as the messages show it; the default one says why it is there.
template <typename T>
std::string limit_text(T limit) {
  const char* why = " JSON tools disagree on larger integers)";
  if (std::cmp_equal(limit, kJsonIntegerMax)) return std::to_string(limit) + " (2^53 - 1:" + why;
  if (std::cmp_equal(limit, -kJsonIntegerMax)) return std::to_string(limit) + " (-(2^53 - 1):" + why;
  return std::to_string(limit);
}

template <typename T>
T integer_as(const json& value, const std::string& source, const std::string& path, const Bounds<T>& bounds) {
  // Unsigned first: nlohmann holds every integer literal without a minus sign as unsigned, so
  // 18446744073709551615 is compared as written, not as the int64 -1 it would wrap to.
  const bool is_integer = value.is_number_integer();
  const bool is_unsigned = value.is_number_unsigned();
  if (is_integer) {
    const auto in_bounds = [&](auto v) {
      if (std::cmp_greater(v, bounds.max)) refuse(value, source, path, "at most " + limit_text(bounds.max));
      if (std::cmp_less(v, bounds.min)) refuse(value, source, path, "at least " + limit_text(bounds.min));
      return static_cast<T>(v);
    };
    return is_unsigned ? in_bounds(value.get<std::uint64_t>()) : in_bounds(value.get<std::int64_t>());
  }
  // An unsigned field says it has no sign; the 2^53 limits every field has go unsaid here.
  const bool low = bounds.min != Bounds<T>{}.min || std::is_unsigned_v<T>;
  const bool high = bounds.max != Bounds<T>{}.max;
  std::string expected = "an integer";
  if (low && high) expected += " in [" + std::to_string(bounds.min) + ", " + std::to_string(bounds.max) + "]";
  if (low && !high) expected += " of at least " + std::to_string(bounds.min);
  if (!low && high) expected += " of at most " + std::to_string(bounds.max);
  refuse(value, source, path, expected);
}

double double_as(const json& value, const std::string& source, const std::string& path, const Bounds<double>& bounds) {
  const bool low = bounds.min != std::numeric_limits<double>::lowest();
  const bool high = bounds.max != std::numeric_limits<double>::max();
  if (value.is_number()) {
    const double v = value.get<double>();
    if (std::isfinite(v) && v >= bounds.min && v <= bounds.max) return v;
  }
  if (low && high)
    refuse(value, source, path, "a number in [" + number_text(bounds.min) + ", " + number_text(bounds.max) + "]");
  if (low) refuse(value, source, path, "a number of at least " + number_text(bounds.min));
  if (high) refuse(value, source, path, "a number of at most " + number_text(bounds.max));
  refuse(value, source, path, "a finite number");
}

}  // namespace

template <typename T>
T json_value_as(const json& value, const std::string& source, const std::string& path, const Bounds<T>& bounds) {
  if constexpr (std::is_same_v<T, bool>) {
    if (!value.is_boolean()) refuse(value, source, path, "true or false");
    return value.get<bool>();
  } else if constexpr (std::is_same_v<T, std::string>) {
    if (!value.is_string()) refuse(value, source, path, "a string");
    return value.get<std::string>();
  } else if constexpr (std::is_integral_v<T>) {
    return integer_as(value, source, path, bounds);
  } else {
    return double_as(value, source, path, bounds);
  }
}

template bool json_value_as(const json&, const std::string&, const std::string&, const Bounds<bool>&);
template std::string json_value_as(const json&, const std::string&, const std::string&, const Bounds<std::string>&);
template std::int64_t json_value_as(const json&, const std::string&, const std::string&, const Bounds<std::int64_t>&);
template std::uint64_t json_value_as(const json&, const std::string&, const std::string&, const Bounds<std::uint64_t>&);
template double json_value_as(const json&, const std::string&, const std::string&, const Bounds<double>&);

JsonReader::JsonReader(const json& object, std::string source, std::string path, UnknownKeys unknown)
    : object_(object), source_(std::move(source)), path_(std::move(path)), unknown_(unknown) {
  if (!object_.is_object()) refuse(object_, source_, path_, "a JSON object");
}

std::string JsonReader::where(std::string_view key) const { return json_member_path(path_, key); }

bool JsonReader::has(std::string_view key) const {
  asked_.emplace(key);
  const auto found = object_.find(key);
  return found != object_.end() && !found->is_null();
}

const json& JsonReader::at(std::string_view key) const {
  PARE_CHECK(has(key), source_, ": field \"", where(key), "\" is required");
  return *object_.find(key);
}

JsonReader JsonReader::member(std::string_view key, UnknownKeys unknown) const {
  return JsonReader(at(key), source_, where(key), unknown);
}

void JsonReader::check(bool ok, std::string_view key, std::string_view what) const {
  if (!ok) fail(key, what);
}

void JsonReader::fail(std::string_view key, std::string_view what) const {
  const auto found = object_.find(key);
  std::string message = source_ + ": field \"" + where(key) + "\" " + std::string(what);
  if (found != object_.end()) message += ", got " + shown(*found);
  throw Error(message);
}

std::vector<std::string> JsonReader::finish() const {
  std::vector<std::string> unasked;
  for (const auto& [key, value] : object_.items()) {
    if (!asked_.count(key)) unasked.push_back(key);
  }
  if (unknown_ == UnknownKeys::refuse && !unasked.empty()) {
    std::string known;
    for (const std::string& key : asked_) known += (known.empty() ? "" : ", ") + key;
    throw Error(source_ + ": unknown field \"" + where(unasked.front()) + "\" (known: " + known + ")");
  }
  return unasked;
}

}  // namespace pare
