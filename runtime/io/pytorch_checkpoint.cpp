// torch.save's zip layout: `<prefix>/data.pkl` (the pickled object), `<prefix>/data/<key>` (one
// entry per storage, raw little-endian elements), `<prefix>/version` and, since torch 2.1,
// `<prefix>/byteorder`. The pickle must hold a dict of tensors (a state dict), or a dict with exactly
// one entry that is a dict of tensors (a wrapper such as {"state_dict": ..., "epoch": 3}).
#include "runtime/io/pytorch_checkpoint.h"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <string>
#include <string_view>
#include <unordered_set>

#include "runtime/io/restricted_unpickler.h"  // pickle::unpickle, pickle::Value
#include "runtime/io/torch_pickle.h"          // TorchPickleHost, TorchTensorSpec
#include "runtime/io/zip_archive.h"

namespace pare {
namespace {

using pickle::Value;
using Kind = Value::Kind;

// The tensors may expand their storages (strided views, tied weights) only so far: a crafted file
// could otherwise ask for terabytes from a few bytes of storage with zero strides.
constexpr std::uint64_t kMaxExpansion = 4;
constexpr std::uint64_t kExpansionAllowance = std::uint64_t{64} << 20;

template <typename... Parts>
[[noreturn]] void fail(const std::filesystem::path& path, const Parts&... parts) {
  throw Error(detail::concat("pytorch checkpoint '", path.string(), "': ", parts...));
}

// torch < 1.6 wrote a bare pickle stream opening with PROTO and a LONG1 magic number.
bool is_legacy_format(const std::filesystem::path& path) {
  static constexpr unsigned char kMagic[] = {0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19};
  unsigned char head[2 + sizeof(kMagic)] = {};
  if (!std::filesystem::is_regular_file(path)) return false;  // opening a named pipe would wait for a writer
  std::ifstream in(path, std::ios::binary);
  in.read(reinterpret_cast<char*>(head), sizeof(head));
  return in.gcount() == static_cast<std::streamsize>(sizeof(head)) && head[0] == 0x80 &&
         std::memcmp(head + 2, kMagic, sizeof(kMagic)) == 0;
}

ZipArchive open_archive(const std::filesystem::path& path) {
  try {
    return ZipArchive::open(path);
  } catch (const Error&) {
    if (is_legacy_format(path)) {
      fail(path,
           "written in torch's legacy (before 1.6) format, which pare does not read; re-save it with a recent "
           "torch: torch.save(torch.load(path), path)");
    }
    throw;
  }
}

std::string find_prefix(const std::filesystem::path& path, const ZipArchive& archive) {
  constexpr std::string_view kPickle = "/data.pkl";
  std::string prefix;
  int found = 0;
  for (const ZipEntry& e : archive.entries()) {
    const std::size_t slash = e.name.find('/');
    if (slash != std::string::npos && std::string_view(e.name).substr(slash) == kPickle) {
      prefix = e.name.substr(0, slash);
      ++found;
    }
  }
  if (found == 0) {
    fail(path, "no '<archive>/data.pkl' entry: not a torch.save checkpoint (TorchScript, or another zip file?)");
  }
  if (found > 1) fail(path, found, " '<archive>/data.pkl' entries: expected one");
  return prefix;
}

void check_byte_order(const std::filesystem::path& path, const ZipArchive& archive, const std::string& prefix) {
  const ZipEntry* entry = archive.find(prefix + "/byteorder");
  if (entry == nullptr) return;  // older torch wrote none, and only little-endian
  const std::span<const unsigned char> bytes = archive.read_verified(*entry);
  const std::string_view order(reinterpret_cast<const char*>(bytes.data()), std::min<std::size_t>(bytes.size(), 16));
  if (order != "little") fail(path, "tensors are stored with byte order '", order, "'; only 'little' is supported");
}

bool is_tensor(const Value& v) { return v.is(Kind::object) && v.type == TorchPickleHost::kTensorType; }

bool all_tensors(const Value& dict) {
  for (const auto& entry : dict.entries) {
    if (!is_tensor(*entry.second)) return false;
  }
  return true;
}

// A name for a message, cut short: a crafted key may be megabytes long.
std::string cut_name(const std::string& text) {
  constexpr std::size_t kMaxChars = 60;
  return "'" + (text.size() > kMaxChars ? text.substr(0, kMaxChars) + "..." : text) + "'";
}

std::string describe_key(const Value& key) {
  return key.is(Kind::string) ? cut_name(key.text) : detail::concat("a ", pickle::kind_name(key.kind), " key");
}

std::string describe_value(const Value& v) {
  if (v.is(Kind::object)) return v.type;
  return std::string(pickle::kind_name(v.kind));
}

const Value& find_state_dict(const std::filesystem::path& path, const Value& root) {
  if (!root.is(Kind::dict)) fail(path, "the pickle holds a ", describe_value(root), ", not a dict of tensors");
  if (all_tensors(root)) return root;
  // Each distinct dict is checked once: the memo lets one dict be every value of the root (and the
  // same dict under two names is still one state dict).
  std::unordered_set<const Value*> checked;
  const Value* found = nullptr;
  int count = 0;
  for (const auto& [key, value] : root.entries) {
    if (!value->is(Kind::dict) || value->entries.empty()) continue;
    if (checked.insert(value).second && all_tensors(*value)) {
      found = value;
      ++count;
    }
  }
  std::string contents;
  for (const auto& [key, value] : root.entries) {
    if (contents.size() > 200) break;
    contents += detail::concat(contents.empty() ? "" : ", ", describe_key(*key), ": ", describe_value(*value));
  }
  if (count == 1) return *found;
  fail(path, "the pickled dict is not a state dict (a dict of tensors) and ",
       count == 0 ? "holds none" : "holds several", " {", contents, "}");
}

// Copies the tensor's elements, in row-major order, out of its storage. The trailing axes that are
// laid out contiguously are copied as one run.
void gather(const unsigned char* storage, unsigned char* out, std::size_t element_bytes, const TorchTensorSpec& spec) {
  const Shape& shape = spec.shape;
  const Shape& strides = spec.strides;
  std::size_t outer = shape.size();
  std::int64_t run = 1;
  while (outer > 0 && (shape[outer - 1] == 1 || strides[outer - 1] == run)) {
    run *= shape[outer - 1];
    --outer;
  }
  const std::size_t run_bytes = static_cast<std::size_t>(run) * element_bytes;
  const std::int64_t runs = shape_numel(shape) / run;
  std::vector<std::int64_t> index(outer, 0);
  // Unsigned so that stepping past the last element and back wraps instead of overflowing.
  std::uint64_t at = static_cast<std::uint64_t>(spec.offset);
  for (std::int64_t i = 0; i < runs; ++i) {
    std::memcpy(out + static_cast<std::size_t>(i) * run_bytes, storage + at * element_bytes, run_bytes);
    for (std::size_t d = outer; d-- > 0;) {
      at += static_cast<std::uint64_t>(strides[d]);
      if (++index[d] < shape[d]) break;
      at -= static_cast<std::uint64_t>(strides[d]) * static_cast<std::uint64_t>(shape[d]);
      index[d] = 0;
    }
  }
}

Tensor materialise(const ZipArchive& archive, const TorchTensorSpec& spec) {
  Tensor t = Tensor::empty(spec.shape, spec.storage->dtype);
  if (t.numel() == 0) return t;
  const unsigned char* storage = archive.read(*spec.storage->entry).data();
  gather(storage, static_cast<unsigned char*>(t.raw_data()), dtype_size(spec.storage->dtype), spec);
  return t;
}

}  // namespace

NamedTensors load_pytorch_checkpoint(const std::filesystem::path& path) {
  const ZipArchive archive = open_archive(path);
  const std::string prefix = find_prefix(path, archive);
  check_byte_order(path, archive, prefix);
  const std::string pickle_name = prefix + "/data.pkl";
  const std::span<const unsigned char> pickle_bytes = archive.read_verified(*archive.find(pickle_name));

  TorchPickleHost host(archive, prefix);
  pickle::Arena arena;
  const std::string source = detail::concat("pytorch checkpoint '", path.string(), "': ", pickle_name);
  const Value& state_dict = find_state_dict(path, pickle::unpickle(pickle_bytes, host, arena, source));

  std::uint64_t file_bytes = 0;
  for (const ZipEntry& e : archive.entries()) file_bytes += e.stored_size;
  const std::uint64_t budget = kMaxExpansion * file_bytes + kExpansionAllowance;
  std::uint64_t total = 0;
  NamedTensors tensors;
  tensors.reserve(state_dict.entries.size());
  for (const auto& [key, value] : state_dict.entries) {
    if (!key->is(Kind::string)) fail(path, "the state dict has ", describe_key(*key), "; tensor names must be strings");
    const auto& spec = std::any_cast<const TorchTensorSpec&>(value->object);
    total += static_cast<std::uint64_t>(shape_numel(spec.shape)) * dtype_size(spec.storage->dtype);
    if (total > budget) {
      fail(path, "tensor ", cut_name(key->text), " brings the tensors to ", total, " bytes, more than ", kMaxExpansion,
           "x the archive's ", file_bytes, " bytes of entries (a crafted file?)");
    }
    tensors.emplace_back(key->text, materialise(archive, spec));
  }
  return tensors;
}

}  // namespace pare
