// A zip writer of our own, following APPNOTE.TXT, for torch.save-shaped archives built byte by byte
// (tests/pytorch_checkpoint_test.cpp) and around fuzzed pickles (tests/fuzz). Independent of
// runtime/io/zip_archive.cpp, which it checks: its CRC-32 is the bitwise definition.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace pare::testing {

// `value`'s low `bytes` bytes, little-endian.
inline std::string le(std::uint64_t value, int bytes) {
  std::string out(static_cast<std::size_t>(bytes), '\0');
  for (int i = 0; i < bytes; ++i) out[static_cast<std::size_t>(i)] = static_cast<char>(value >> (8 * i));
  return out;
}

inline std::uint32_t crc32_bitwise(const std::string& bytes) {
  std::uint32_t crc = 0xFFFFFFFFu;
  for (char c : bytes) {
    crc ^= static_cast<unsigned char>(c);
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

struct ZipInput {
  std::string name;
  std::string data;
  std::uint16_t method = 0;  // the bytes are written as given whatever the method claims
};

// Local headers carry a padding extra field so data starts on 64 bytes, as torch.save does. With
// `zip64`, the central directory holds sizes and offsets in ZIP64 extra fields and the end records
// are the ZIP64 pair plus the classic one with every field saturated.
inline std::string build_zip(const std::vector<ZipInput>& inputs, bool zip64 = false) {
  std::string out, directory;
  for (const ZipInput& in : inputs) {
    const std::uint64_t local = out.size();
    const std::uint32_t crc = crc32_bitwise(in.data);
    const std::size_t header_end = local + 30 + in.name.size() + 4;
    const std::size_t padding = (64 - header_end % 64) % 64;
    const std::string extra = le(0x4246, 2) + le(padding, 2) + std::string(padding, 'Z');
    out += le(0x04034b50, 4) + le(20, 2) + le(0, 2) + le(in.method, 2) + le(0, 4) + le(crc, 4) + le(in.data.size(), 4) +
           le(in.data.size(), 4) + le(in.name.size(), 2) + le(extra.size(), 2) + in.name + extra + in.data;
    const std::string central_extra =
        zip64 ? le(1, 2) + le(24, 2) + le(in.data.size(), 8) + le(in.data.size(), 8) + le(local, 8) : "";
    const std::uint64_t size32 = zip64 ? 0xFFFFFFFF : in.data.size();
    directory += le(0x02014b50, 4) + le(45, 2) + le(45, 2) + le(0, 2) + le(in.method, 2) + le(0, 4) + le(crc, 4) +
                 le(size32, 4) + le(size32, 4) + le(in.name.size(), 2) + le(central_extra.size(), 2) + le(0, 2) +
                 le(0, 2) + le(0, 2) + le(0, 4) + le(zip64 ? 0xFFFFFFFF : local, 4) + in.name + central_extra;
  }
  const std::uint64_t directory_offset = out.size();
  out += directory;
  const std::uint64_t count = inputs.size();
  if (zip64) {
    const std::uint64_t record = out.size();
    out += le(0x06064b50, 4) + le(44, 8) + le(45, 2) + le(45, 2) + le(0, 4) + le(0, 4) + le(count, 8) + le(count, 8) +
           le(directory.size(), 8) + le(directory_offset, 8);
    out += le(0x07064b50, 4) + le(0, 4) + le(record, 8) + le(1, 4);
    out += le(0x06054b50, 4) + le(0, 2) + le(0, 2) + le(0xFFFF, 2) + le(0xFFFF, 2) + le(0xFFFFFFFF, 4) +
           le(0xFFFFFFFF, 4) + le(0, 2);
  } else {
    out += le(0x06054b50, 4) + le(0, 2) + le(0, 2) + le(count, 2) + le(count, 2) + le(directory.size(), 4) +
           le(directory_offset, 4) + le(0, 2);
  }
  return out;
}

// A torch.save-shaped archive: the pickle and the storages under `archive/`.
inline std::string torch_zip(const std::string& pickle,
                             const std::vector<std::pair<std::string, std::string>>& storages = {},
                             bool zip64 = false) {
  std::vector<ZipInput> inputs{{"archive/data.pkl", pickle}};
  for (const auto& [key, bytes] : storages) inputs.push_back({"archive/data/" + key, bytes});
  inputs.push_back({"archive/version", "3\n"});
  return build_zip(inputs, zip64);
}

}  // namespace pare::testing
