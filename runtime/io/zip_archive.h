// ZipArchive: the entries of a zip file read through a memory mapping, every offset and size checked
// against the file. Made for torch.save's archives: entries are stored uncompressed (method 0), and
// files over 4 GiB use the ZIP64 records, both of which are supported; compressed entries are listed
// but cannot be read.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/io/mapped_file.h"

namespace pare {

struct ZipEntry {
  std::string name;
  std::uint16_t method = 0;  // 0: stored; anything else is compressed
  std::uint32_t crc32 = 0;
  std::uint64_t stored_size = 0;  // bytes in the file (compressed size)
  std::uint64_t size = 0;         // bytes once extracted
  std::uint64_t data_offset = 0;  // of the entry's bytes in the file, past its local header
};

class ZipArchive {
 public:
  // Maps `path` and reads its central directory and every local header; throws pare::Error naming
  // the file (and the entry) when a record is missing, truncated or points outside the file.
  static ZipArchive open(const std::filesystem::path& path);

  const std::filesystem::path& path() const { return path_; }
  // In central-directory order.
  const std::vector<ZipEntry>& entries() const { return entries_; }
  // nullptr when there is no entry `name`.
  const ZipEntry* find(std::string_view name) const;
  // The bytes of a stored entry, inside the mapping (valid while the archive lives); throws
  // pare::Error naming the entry when it is compressed.
  std::span<const unsigned char> read(const ZipEntry& entry) const;
  // As read(), and the bytes must match the entry's CRC-32.
  std::span<const unsigned char> read_verified(const ZipEntry& entry) const;

 private:
  ZipArchive() = default;

  std::filesystem::path path_;
  MappedFile file_;
  std::vector<ZipEntry> entries_;
  std::map<std::string, std::size_t, std::less<>> index_;
};

// The CRC-32 that zip records (polynomial 0xEDB88320, as zlib's crc32()).
std::uint32_t zip_crc32(std::span<const unsigned char> bytes);

}  // namespace pare
