// safetensors: Hugging Face's tensor file format, read through a memory mapping with every header
// field validated, and written atomically.
//
// Layout: 8 bytes little-endian u64 N, N bytes of UTF-8 JSON, then the data buffer. The JSON maps
// each tensor name to {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]} (byte offsets
// into the data buffer) and the reserved key "__metadata__" to a string -> string map. The tensors'
// ranges cover the whole buffer without holes or overlaps.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "runtime/io/mapped_file.h"
#include "runtime/named_tensors.h"  // NamedTensors
#include "runtime/tensor.h"

namespace pare {

struct SafetensorsEntry {
  std::string name;
  DType dtype = DType::f32;
  Shape shape;
  // Byte range within the data buffer (after the header).
  std::uint64_t begin = 0;
  std::uint64_t end = 0;
};

class SafetensorsFile {
 public:
  // Maps `path` and validates its header and offsets; throws pare::Error naming the file, the
  // tensor and the offending values on any malformed input.
  static SafetensorsFile open(const std::filesystem::path& path);

  const std::filesystem::path& path() const { return path_; }
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  // Tensor names in the order their bytes appear in the file (for our writer: the order given).
  std::vector<std::string> names() const;
  bool contains(const std::string& name) const { return index_.count(name) != 0; }
  // Throws pare::Error naming the file when there is no tensor `name`.
  const SafetensorsEntry& info(const std::string& name) const;
  // A CPU tensor in its stored dtype, copied out of the mapping into a fresh aligned buffer.
  Tensor load(const std::string& name) const;

 private:
  SafetensorsFile() = default;

  std::filesystem::path path_;
  MappedFile file_;
  const unsigned char* buffer_ = nullptr;  // the data buffer inside file_
  std::vector<SafetensorsEntry> entries_;  // sorted by offset
  std::map<std::string, std::size_t> index_;
  std::map<std::string, std::string> metadata_;
};

// Writes `tensors` in the order given (CUDA tensors are copied to the CPU, views are packed) with
// `metadata` as "__metadata__"; the file appears complete or not at all (see AtomicFileWriter).
// Names must be unique and not "__metadata__".
void save_safetensors(const std::filesystem::path& path, const NamedTensors& tensors,
                      const std::map<std::string, std::string>& metadata = {});

}  // namespace pare
