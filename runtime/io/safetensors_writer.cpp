#include <nlohmann/json.hpp>
#include <set>
#include <string_view>

#include "runtime/io/atomic_file.h"  // AtomicFileWriter
#include "runtime/io/safetensors.h"

namespace pare {
namespace {

template <typename... Parts>
[[noreturn]] void fail(const std::filesystem::path& path, const Parts&... parts) {
  throw Error(detail::concat("save_safetensors '", path.string(), "': ", parts...));
}

// Builds the header text by hand so that its entries follow the order of the data, which makes
// the file readable with a hex dump; nlohmann's ordered_json would do the same in quadratic time.
class HeaderBuilder {
 public:
  explicit HeaderBuilder(const std::filesystem::path& path) : path_(path) {}

  void add(const std::string& key, const nlohmann::json& value, std::string_view what) {
    text_ += text_.empty() ? "{" : ",";
    try {
      text_ += nlohmann::json(key).dump() + ":" + value.dump();
    } catch (const nlohmann::json::exception& e) {
      fail(path_, what, ": ", e.what());
    }
  }

  // The closed object, padded with spaces so the data buffer starts 8-byte aligned.
  std::string finish() {
    std::string text = text_.empty() ? "{}" : text_ + "}";
    text.append((8 - text.size() % 8) % 8, ' ');
    return text;
  }

 private:
  const std::filesystem::path& path_;
  std::string text_;
};

}  // namespace

void save_safetensors(const std::filesystem::path& path, const NamedTensors& tensors,
                      const std::map<std::string, std::string>& metadata) {
  // Everything that can be checked is checked before the temporary file exists.
  HeaderBuilder header(path);
  if (!metadata.empty()) header.add("__metadata__", nlohmann::json(metadata), "__metadata__");
  std::set<std::string_view> seen;
  std::uint64_t offset = 0;
  for (const auto& [name, tensor] : tensors) {
    if (name == "__metadata__") fail(path, "'__metadata__' is reserved and cannot name a tensor");
    if (!seen.insert(name).second) fail(path, "tensor '", name, "' given twice");
    if (!tensor.defined()) fail(path, "tensor '", name, "' is undefined");
    const std::uint64_t end = offset + tensor.nbytes();
    header.add(name,
               {{"dtype", std::string(dtype_name(tensor.dtype()))},
                {"shape", tensor.shape()},
                {"data_offsets", nlohmann::json::array({offset, end})}},
               detail::concat("tensor '", name, "'"));
    offset = end;
  }
  const std::string text = header.finish();

  AtomicFileWriter file(path);
  unsigned char length[8];
  for (int i = 0; i < 8; ++i) length[i] = static_cast<unsigned char>(text.size() >> (8 * i));
  file.write(length, sizeof(length));
  file.write(text);
  for (const auto& [name, tensor] : tensors) {
    // One tensor at a time on the CPU, so saving a model from the GPU needs one extra copy at most.
    const Tensor packed = tensor.detach().to(Device::cpu()).contiguous();
    file.write(packed.raw_data(), packed.nbytes());
  }
  file.commit();
}

}  // namespace pare
