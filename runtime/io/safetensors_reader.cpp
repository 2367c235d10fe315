#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <tuple>

#include "runtime/io/little_endian.h"  // read_little_endian
#include "runtime/io/safetensors.h"

namespace pare {
namespace {

using nlohmann::json;

// The data buffer is copied byte for byte into tensors, which hold native-endian values.
static_assert(std::endian::native == std::endian::little, "safetensors data is little-endian");

// The limit Hugging Face's reader enforces; a valid header for any real model is far smaller.
constexpr std::uint64_t kMaxHeaderBytes = 100'000'000;
// A valid header nests three deep (root, entry, shape); the slack keeps messages about wrongly
// typed fields specific, while a hostile "[[[[..." cannot make the parser build millions of levels.
constexpr int kMaxJsonDepth = 8;

template <typename... Parts>
[[noreturn]] void fail(const std::filesystem::path& path, const Parts&... parts) {
  throw Error(detail::concat("safetensors '", path.string(), "': ", parts...));
}

// A JSON value as text for an error message, cut short so a huge array cannot flood the message.
std::string snippet(const json& value) {
  std::string text = value.dump();
  constexpr std::size_t kMaxChars = 80;
  if (text.size() > kMaxChars) text = text.substr(0, kMaxChars) + "...";
  return text;
}

// First pass over the header, building nothing: reports syntax errors with their position,
// bounds the nesting depth, and rejects a tensor name given twice, which a parse into a JSON
// object would silently merge.
class HeaderScan : public nlohmann::json_sax<json> {
 public:
  explicit HeaderScan(const std::filesystem::path& path) : path_(path) {}

  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override { return enter(); }
  bool end_object() override { return leave(); }
  bool start_array(std::size_t) override { return enter(); }
  bool end_array() override { return leave(); }
  bool key(string_t& name) override {
    if (depth_ == 1 && !names_.insert(name).second) fail(path_, "tensor '", name, "' appears twice in the header");
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const json::exception& error) override {
    fail(path_, "header is not valid JSON: ", error.what());
  }

 private:
  bool enter() {
    if (++depth_ > kMaxJsonDepth) fail(path_, "header nests JSON more than ", kMaxJsonDepth, " levels deep");
    return true;
  }
  bool leave() {
    --depth_;
    return true;
  }

  const std::filesystem::path& path_;
  int depth_ = 0;
  std::set<std::string> names_;
};

json parse_header(const std::filesystem::path& path, const char* begin, const char* end) {
  HeaderScan scan(path);
  json::sax_parse(begin, end, &scan);
  try {
    return json::parse(begin, end);
  } catch (const json::exception& e) {
    fail(path, "header is not valid JSON: ", e.what());
  }
}

// A non-negative JSON integer; nullopt for negative, fractional and non-numeric values.
std::optional<std::uint64_t> as_count(const json& value) {
  if (value.is_number_unsigned()) return value.get<std::uint64_t>();
  if (value.is_number_integer() && value.get<std::int64_t>() >= 0) return value.get<std::uint64_t>();
  return std::nullopt;
}

const json& field(const std::filesystem::path& path, const std::string& name, const json& entry, const char* key) {
  const auto it = entry.find(key);
  if (it == entry.end()) fail(path, "tensor '", name, "': missing \"", key, "\" in ", snippet(entry));
  return *it;
}

DType parse_dtype(const std::filesystem::path& path, const std::string& name, const json& value) {
  if (!value.is_string()) fail(path, "tensor '", name, "': dtype must be a string, got ", snippet(value));
  try {
    return dtype_from_name(value.get<std::string>());
  } catch (const Error& e) {
    fail(path, "tensor '", name, "': ", e.what());
  }
}

Shape parse_shape(const std::filesystem::path& path, const std::string& name, const json& value) {
  if (!value.is_array()) fail(path, "tensor '", name, "': shape must be an array of integers, got ", snippet(value));
  Shape shape;
  shape.reserve(value.size());
  for (const json& dim : value) {
    const std::optional<std::uint64_t> size = as_count(dim);
    if (!size)
      fail(path, "tensor '", name, "': shape ", snippet(value),
           " has a dimension that is not a non-negative integer: ", snippet(dim));
    if (*size > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      fail(path, "tensor '", name, "': shape dimension ", *size, " is too large");
    }
    shape.push_back(static_cast<std::int64_t>(*size));
  }
  return shape;
}

// Bytes the tensor occupies. Empty axes are skipped in the overflow check so that the other
// dimensions still have to describe a tensor whose strides fit in 64 bits.
std::uint64_t shape_bytes(const std::filesystem::path& path, const std::string& name, const Shape& shape, DType dtype) {
  std::int64_t numel = 1;
  bool empty = false;
  for (std::int64_t dim : shape) {
    if (dim == 0)
      empty = true;
    else if (__builtin_mul_overflow(numel, dim, &numel))
      fail(path, "tensor '", name, "': shape ", shape_str(shape), " has too many elements");
  }
  std::uint64_t bytes = 0;
  if (__builtin_mul_overflow(static_cast<std::uint64_t>(numel), dtype_size(dtype), &bytes)) {
    fail(path, "tensor '", name, "': shape ", shape_str(shape), " has too many elements");
  }
  return empty ? 0 : bytes;
}

SafetensorsEntry parse_entry(const std::filesystem::path& path, const std::string& name, const json& entry,
                             std::uint64_t buffer_bytes) {
  if (!entry.is_object()) {
    fail(path, "tensor '", name, "': entry must be an object with dtype, shape and data_offsets, got ", snippet(entry));
  }
  SafetensorsEntry out;
  out.name = name;
  out.dtype = parse_dtype(path, name, field(path, name, entry, "dtype"));
  out.shape = parse_shape(path, name, field(path, name, entry, "shape"));
  const json& offsets = field(path, name, entry, "data_offsets");
  if (!offsets.is_array() || offsets.size() != 2) {
    fail(path, "tensor '", name, "': data_offsets must be [begin, end], got ", snippet(offsets));
  }
  const std::optional<std::uint64_t> begin = as_count(offsets[0]), end = as_count(offsets[1]);
  if (!begin || !end)
    fail(path, "tensor '", name, "': data_offsets must be non-negative integers, got ", snippet(offsets));
  out.begin = *begin;
  out.end = *end;
  const std::string range = detail::concat("data_offsets [", out.begin, ", ", out.end, "]");
  if (out.begin > out.end) fail(path, "tensor '", name, "': ", range, " end before they begin");
  if (out.end > buffer_bytes) {
    fail(path, "tensor '", name, "': ", range, " reach past the end of the ", buffer_bytes,
         "-byte data buffer (file truncated?)");
  }
  const std::uint64_t needed = shape_bytes(path, name, out.shape, out.dtype);
  if (out.end - out.begin != needed) {
    fail(path, "tensor '", name, "': ", range, " hold ", out.end - out.begin, " bytes but ", dtype_name(out.dtype),
         " shape ", shape_str(out.shape), " needs ", needed);
  }
  return out;
}

std::map<std::string, std::string> parse_metadata(const std::filesystem::path& path, const json& value) {
  if (!value.is_object()) fail(path, "__metadata__ must be an object of strings, got ", snippet(value));
  std::map<std::string, std::string> metadata;
  for (const auto& [key, item] : value.items()) {
    if (!item.is_string()) fail(path, "__metadata__ key '", key, "' must map to a string, got ", snippet(item));
    metadata.emplace(key, item.get<std::string>());
  }
  return metadata;
}

// The ranges, sorted, must tile [0, buffer_bytes): every byte belongs to exactly one tensor.
void check_coverage(const std::filesystem::path& path, const std::vector<SafetensorsEntry>& sorted,
                    std::uint64_t buffer_bytes) {
  std::uint64_t covered = 0;
  const SafetensorsEntry* previous = nullptr;
  for (const SafetensorsEntry& e : sorted) {
    if (e.begin < covered) {
      fail(path, "tensors '", previous->name, "' [", previous->begin, ", ", previous->end, "] and '", e.name, "' [",
           e.begin, ", ", e.end, "] overlap");
    }
    if (e.begin > covered) {
      fail(path, "data bytes [", covered, ", ", e.begin, ") belong to no tensor (a hole ",
           previous ? detail::concat("between '", previous->name, "' and '", e.name, "'")
                    : detail::concat("before '", e.name, "'"),
           ")");
    }
    covered = e.end;
    previous = &e;
  }
  if (covered != buffer_bytes) {
    fail(path, "data bytes [", covered, ", ", buffer_bytes, ") at the end of the data buffer belong to no tensor");
  }
}

}  // namespace

SafetensorsFile SafetensorsFile::open(const std::filesystem::path& path) {
  SafetensorsFile out;
  out.path_ = path;
  out.file_ = MappedFile::open(path);
  const unsigned char* bytes = out.file_.data();
  const std::uint64_t size = out.file_.size();
  if (size < 8) fail(path, "file is ", size, " bytes, shorter than the 8-byte header length");
  const std::uint64_t header_bytes = read_little_endian(bytes, 8);
  if (header_bytes > kMaxHeaderBytes) {
    fail(path, "header length ", header_bytes, " exceeds the limit of ", kMaxHeaderBytes, " bytes");
  }
  if (header_bytes > size - 8) {
    fail(path, "header length ", header_bytes, " reaches past the end of the ", size, "-byte file (file truncated?)");
  }
  const auto* header_begin = reinterpret_cast<const char*>(bytes + 8);
  const json header = parse_header(path, header_begin, header_begin + header_bytes);
  if (!header.is_object()) fail(path, "header must be a JSON object, got ", snippet(header));

  const std::uint64_t buffer_bytes = size - 8 - header_bytes;
  out.buffer_ = bytes + 8 + header_bytes;
  for (const auto& [name, value] : header.items()) {
    if (name == "__metadata__") {
      out.metadata_ = parse_metadata(path, value);
    } else {
      out.entries_.push_back(parse_entry(path, name, value, buffer_bytes));
    }
  }
  std::stable_sort(out.entries_.begin(), out.entries_.end(), [](const SafetensorsEntry& a, const SafetensorsEntry& b) {
    return std::tie(a.begin, a.end) < std::tie(b.begin, b.end);
  });
  check_coverage(path, out.entries_, buffer_bytes);
  for (std::size_t i = 0; i < out.entries_.size(); ++i) out.index_.emplace(out.entries_[i].name, i);
  return out;
}

std::vector<std::string> SafetensorsFile::names() const {
  std::vector<std::string> names;
  names.reserve(entries_.size());
  for (const SafetensorsEntry& e : entries_) names.push_back(e.name);
  return names;
}

const SafetensorsEntry& SafetensorsFile::info(const std::string& name) const {
  const auto it = index_.find(name);
  if (it == index_.end()) fail(path_, "no tensor named '", name, "' (the file holds ", entries_.size(), " tensors)");
  return entries_[it->second];
}

Tensor SafetensorsFile::load(const std::string& name) const {
  const SafetensorsEntry& e = info(name);
  Tensor t = Tensor::empty(e.shape, e.dtype);
  if (e.end > e.begin) std::memcpy(t.raw_data(), buffer_ + e.begin, e.end - e.begin);
  return t;
}

}  // namespace pare
