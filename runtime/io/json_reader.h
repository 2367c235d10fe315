// One typed reader for the fields of every JSON file pare reads (like llama.cpp's get_key<T>): a
// field is asked for by key and type, with bounds, as required, optional or with a fallback, and
// every refusal names the source (the file), the field's path (stages[2].pruning[0].interval_steps,
// runtime/io/json_path.h) and the value as the document holds it.
//
// Policies, the same for every file:
//  - null is absent: HF writes null for an unset optional field ("classifier_dropout": null), and
//    pare's own records do the same, so a null field takes its fallback (a required one is missing).
//  - a number must fit the field's type and bounds as written: 18446744073709551615 or 2^63 for an
//    int64, 3.5 or -0 for an integer, -1 for an unsigned count are refused, never wrapped or rounded.
//  - an integer is a quantity of magnitude below 2^53 unless its bounds say otherwise: past 2^53 a
//    double no longer holds every integer, so JSON tools (JavaScript, jq, Python reading floats)
//    disagree on the value. A bit pattern (a seed, a generator's state word) asks for kBitPattern.
//  - unknown keys are each object's choice (UnknownKeys), made where the reader is created: the keys
//    the code asks about (any accessor, has() included) are the known ones, and finish() refuses
//    or returns the rest. Duplicate keys never get here: the parser refuses them
//    (runtime/io/json_file.h).
#pragma once

#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace pare {

enum class UnknownKeys {
  refuse,  // pare's own files (recipes, pruning configs, run/stage records, trainer state): a
           // misspelt key would be a setting silently not applied
  allow,   // foreign formats (HF config.json, its sharded checkpoint index) carry fields pare does not
           // use; also objects whose keys are data (tensor or generator names)
};

// The largest magnitude of an integer quantity in JSON: 2^53 - 1, the last integer every JSON
// tool reads alike.
inline constexpr std::int64_t kJsonIntegerMax = (std::int64_t{1} << 53) - 1;

// Inclusive bounds on a number field; strings and booleans have none.
template <typename T>
struct Bounds {};
template <typename T>
requires(std::is_floating_point_v<T>) struct Bounds<T> {
  T min = std::numeric_limits<T>::lowest();
  T max = std::numeric_limits<T>::max();
};
template <typename T>
requires(std::is_integral_v<T> && !std::is_same_v<T, bool>) struct Bounds<T> {
  T min = std::is_signed_v<T> ? static_cast<T>(-kJsonIntegerMax) : T{0};
  T max = static_cast<T>(kJsonIntegerMax);
};

// A field that holds 64 bits rather than a quantity (a seed, a generator's state word): every
// uint64 is its own value, 18446744073709551615 included.
inline constexpr Bounds<std::uint64_t> kBitPattern{0, std::numeric_limits<std::uint64_t>::max()};

// `value` as T (bool, std::string, std::int64_t, std::uint64_t or double) within `bounds`; anything
// else throws pare::Error naming `source` and `path`. A double must be finite.
template <typename T>
T json_value_as(const nlohmann::json& value, const std::string& source, const std::string& path,
                const Bounds<T>& bounds = {});
extern template bool json_value_as(const nlohmann::json&, const std::string&, const std::string&, const Bounds<bool>&);
extern template std::string json_value_as(const nlohmann::json&, const std::string&, const std::string&,
                                          const Bounds<std::string>&);
extern template std::int64_t json_value_as(const nlohmann::json&, const std::string&, const std::string&,
                                           const Bounds<std::int64_t>&);
extern template std::uint64_t json_value_as(const nlohmann::json&, const std::string&, const std::string&,
                                            const Bounds<std::uint64_t>&);
extern template double json_value_as(const nlohmann::json&, const std::string&, const std::string&,
                                     const Bounds<double>&);

// Reads the members of one JSON object. Holds a reference to the object: it must outlive the reader.
class JsonReader {
 public:
  // Throws unless `object` is a JSON object. `path` is where it sits in its document ("" for the root).
  JsonReader(const nlohmann::json& object, std::string source, std::string path, UnknownKeys unknown);

  const nlohmann::json& object() const { return object_; }
  const std::string& source() const { return source_; }
  const std::string& path() const { return path_; }
  // The path of member `key`.
  std::string where(std::string_view key) const;

  // Present and not null.
  bool has(std::string_view key) const;
  // The member as the document holds it; "is required" when absent.
  const nlohmann::json& at(std::string_view key) const;
  // A key this reader knows but takes no value from (a field pare derives and writes itself).
  void skip(std::string_view key) const { asked_.emplace(key); }

  template <typename T>
  std::optional<T> optional(std::string_view key, const Bounds<T>& bounds = {}) const {
    if (!has(key)) return std::nullopt;
    return json_value_as<T>(object_.at(key), source_, where(key), bounds);
  }
  template <typename T>
  T get(std::string_view key, const T& fallback, const Bounds<T>& bounds = {}) const {
    return optional<T>(key, bounds).value_or(fallback);
  }
  template <typename T>
  T required(std::string_view key, const Bounds<T>& bounds = {}) const {
    return json_value_as<T>(at(key), source_, where(key), bounds);
  }
  // A list of T; empty when absent.
  template <typename T>
  std::vector<T> list(std::string_view key, const Bounds<T>& bounds = {}) const {
    std::vector<T> out;
    if (!has(key)) return out;
    const nlohmann::json& array = object_.at(key);
    check(array.is_array(), key, "must be a list");
    for (std::size_t i = 0; i < array.size(); ++i) {
      out.push_back(json_value_as<T>(array[i], source_, where(key) + "[" + std::to_string(i) + "]", bounds));
    }
    return out;
  }
  // A reader of the member object `key` (required).
  JsonReader member(std::string_view key, UnknownKeys unknown) const;

  // Throws "<source>: field "<path.key>" <what>, got <value>" unless `ok`.
  void check(bool ok, std::string_view key, std::string_view what) const;
  [[noreturn]] void fail(std::string_view key, std::string_view what) const;

  // Ends reading: with UnknownKeys::refuse a key never asked about throws, naming it and the known
  // keys; with UnknownKeys::allow those keys are returned (sorted).
  std::vector<std::string> finish() const;

 private:
  const nlohmann::json& object_;
  std::string source_;
  std::string path_;
  UnknownKeys unknown_;
  mutable std::set<std::string, std::less<>> asked_;
};

}  // namespace pare
