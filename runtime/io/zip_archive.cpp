#include "runtime/io/zip_archive.h"

#include <algorithm>
#include <array>
#include <ios>

#include "runtime/error.h"
#include "runtime/io/little_endian.h"  // read_little_endian

namespace pare {
namespace {

// Record signatures and fixed sizes from the zip specification (APPNOTE.TXT).
constexpr std::uint32_t kLocalHeaderSignature = 0x04034b50;
constexpr std::uint32_t kCentralHeaderSignature = 0x02014b50;
constexpr std::uint32_t kEndSignature = 0x06054b50;
constexpr std::uint32_t kZip64EndSignature = 0x06064b50;
constexpr std::uint32_t kZip64LocatorSignature = 0x07064b50;
constexpr std::uint64_t kLocalHeaderBytes = 30;
constexpr std::uint64_t kCentralHeaderBytes = 46;
constexpr std::uint64_t kEndBytes = 22;
constexpr std::uint64_t kZip64EndBytes = 56;
constexpr std::uint64_t kZip64LocatorBytes = 20;
constexpr std::uint64_t kMaxCommentBytes = 0xFFFF;
constexpr std::uint16_t kZip64ExtraId = 0x0001;
constexpr std::uint16_t kEncryptedFlag = 0x0001;

template <typename... Parts>
[[noreturn]] void fail(const std::filesystem::path& path, const Parts&... parts) {
  throw Error(detail::concat("zip '", path.string(), "': ", parts...));
}

std::uint16_t u16(const unsigned char* bytes) { return static_cast<std::uint16_t>(read_little_endian(bytes, 2)); }
std::uint32_t u32(const unsigned char* bytes) { return static_cast<std::uint32_t>(read_little_endian(bytes, 4)); }
std::uint64_t u64(const unsigned char* bytes) { return read_little_endian(bytes, 8); }

// [offset, offset + count) lies within [0, limit), without overflow.
bool fits(std::uint64_t offset, std::uint64_t count, std::uint64_t limit) {
  return offset <= limit && count <= limit - offset;
}

// Where the directory is and how many entries it lists, from the end record or its ZIP64 form.
struct Directory {
  std::uint64_t offset = 0;
  std::uint64_t size = 0;
  std::uint64_t entries = 0;
  std::uint64_t records_begin = 0;  // the first end record; the directory must end before it
};

// The end record sits at the very end, after a comment of up to 64 KiB; scanning back for its
// signature and requiring the comment to reach exactly to the end of the file finds it.
std::uint64_t find_end_record(const std::filesystem::path& path, const unsigned char* data, std::uint64_t size) {
  if (size < kEndBytes) fail(path, "the file is ", size, " bytes, too short for a zip archive (truncated?)");
  const std::uint64_t last = size - kEndBytes;
  const std::uint64_t first = last - std::min(last, kMaxCommentBytes);
  for (std::uint64_t pos = last + 1; pos-- > first;) {
    if (u32(data + pos) == kEndSignature && pos + kEndBytes + u16(data + pos + 20) == size) return pos;
  }
  fail(path, "no end-of-central-directory record: not a zip archive, or truncated");
}

Directory read_directory(const std::filesystem::path& path, const unsigned char* data, std::uint64_t size) {
  const std::uint64_t end = find_end_record(path, data, size);
  const unsigned char* record = data + end;
  std::uint64_t disk = u16(record + 4), directory_disk = u16(record + 6);
  std::uint64_t entries_here = u16(record + 8);
  Directory dir;
  dir.entries = u16(record + 10);
  dir.size = u32(record + 12);
  dir.offset = u32(record + 16);
  dir.records_begin = end;

  if (end >= kZip64LocatorBytes && u32(record - kZip64LocatorBytes) == kZip64LocatorSignature) {
    const unsigned char* locator = record - kZip64LocatorBytes;
    const std::uint64_t zip64_end = u64(locator + 8);
    if (!fits(zip64_end, kZip64EndBytes, end - kZip64LocatorBytes)) {
      fail(path, "the ZIP64 end record offset ", zip64_end,
           " does not leave room for the record before its locator at ", end - kZip64LocatorBytes);
    }
    const unsigned char* record64 = data + zip64_end;
    if (u32(record64) != kZip64EndSignature)
      fail(path, "no ZIP64 end record at offset ", zip64_end, " (corrupt locator)");
    // The classic record's fields stand for themselves unless saturated; then the ZIP64 ones count.
    const auto agree = [&](std::uint64_t classic, std::uint64_t saturated, std::uint64_t wide, const char* field) {
      if (classic != saturated && classic != wide) {
        fail(path, "the end records disagree on the ", field, " (", classic, " vs ZIP64 ", wide, ")");
      }
      return wide;
    };
    disk = u32(record64 + 16);
    directory_disk = u32(record64 + 20);
    entries_here = u64(record64 + 24);
    dir.entries = agree(dir.entries, 0xFFFF, u64(record64 + 32), "entry count");
    dir.size = agree(dir.size, 0xFFFFFFFF, u64(record64 + 40), "directory size");
    dir.offset = agree(dir.offset, 0xFFFFFFFF, u64(record64 + 48), "directory offset");
    dir.records_begin = zip64_end;
  }
  if (disk != 0 || directory_disk != 0 || entries_here != dir.entries) {
    fail(path, "multi-volume archives are not supported (disk ", disk, ", directory disk ", directory_disk, ")");
  }
  if (!fits(dir.offset, dir.size, dir.records_begin)) {
    fail(path, "the central directory [", dir.offset, ", +", dir.size, ") reaches past its end record at ",
         dir.records_begin, " (truncated or corrupt)");
  }
  if (dir.entries > dir.size / kCentralHeaderBytes) {
    fail(path, "the end record lists ", dir.entries, " entries but the ", dir.size,
         "-byte central directory cannot hold them");
  }
  return dir;
}

// The ZIP64 extra field replaces the sizes and offset whose 32-bit fields are all ones, in this order.
void apply_zip64_extra(const std::filesystem::path& path, const std::string& name, const unsigned char* extra,
                       std::uint64_t extra_bytes, ZipEntry& entry, std::uint64_t& local_offset) {
  std::uint64_t pos = 0;
  while (pos + 4 <= extra_bytes) {
    const std::uint16_t id = u16(extra + pos), length = u16(extra + pos + 2);
    pos += 4;
    if (length > extra_bytes - pos)
      fail(path, "entry '", name, "': extra field 0x", std::hex, id, std::dec, " overruns its record");
    if (id == kZip64ExtraId) {
      std::uint64_t field = pos;
      const auto take = [&](std::uint64_t& value) {
        if (value != 0xFFFFFFFF) return;
        if (field + 8 > pos + length) fail(path, "entry '", name, "': ZIP64 extra field is too short");
        value = u64(extra + field);
        field += 8;
      };
      take(entry.size);
      take(entry.stored_size);
      take(local_offset);
    }
    pos += length;
  }
}

}  // namespace

ZipArchive ZipArchive::open(const std::filesystem::path& path) {
  ZipArchive archive;
  archive.path_ = path;
  archive.file_ = MappedFile::open(path);
  const unsigned char* data = archive.file_.data();
  const std::uint64_t size = archive.file_.size();
  const Directory dir = read_directory(path, data, size);
  const std::uint64_t directory_end = dir.offset + dir.size;

  archive.entries_.reserve(dir.entries);
  std::uint64_t pos = dir.offset;
  for (std::uint64_t i = 0; i < dir.entries; ++i) {
    if (!fits(pos, kCentralHeaderBytes, directory_end) || u32(data + pos) != kCentralHeaderSignature) {
      fail(path, "central directory record ", i, " at offset ", pos, " is missing or truncated");
    }
    const unsigned char* header = data + pos;
    const std::uint64_t name_bytes = u16(header + 28), extra_bytes = u16(header + 30), comment_bytes = u16(header + 32);
    if (!fits(pos + kCentralHeaderBytes, name_bytes + extra_bytes + comment_bytes, directory_end)) {
      fail(path, "central directory record ", i, " at offset ", pos, " overruns the directory");
    }
    ZipEntry entry;
    entry.name.assign(reinterpret_cast<const char*>(header + kCentralHeaderBytes), name_bytes);
    const std::uint16_t flags = u16(header + 8);
    entry.method = u16(header + 10);
    entry.crc32 = u32(header + 16);
    entry.stored_size = u32(header + 20);
    entry.size = u32(header + 24);
    std::uint64_t local = u32(header + 42);
    apply_zip64_extra(path, entry.name, header + kCentralHeaderBytes + name_bytes, extra_bytes, entry, local);
    pos += kCentralHeaderBytes + name_bytes + extra_bytes + comment_bytes;

    if (flags & kEncryptedFlag) fail(path, "entry '", entry.name, "' is encrypted");
    if (!fits(local, kLocalHeaderBytes, dir.offset) || u32(data + local) != kLocalHeaderSignature) {
      fail(path, "entry '", entry.name, "': no local header at offset ", local, " (corrupt offset or truncated file)");
    }
    const std::uint64_t local_name = u16(data + local + 26), local_extra = u16(data + local + 28);
    if (!fits(local + kLocalHeaderBytes, local_name + local_extra, dir.offset) ||
        std::string_view(reinterpret_cast<const char*>(data + local + kLocalHeaderBytes), local_name) != entry.name) {
      fail(path, "entry '", entry.name, "': the local header at offset ", local, " names another entry");
    }
    entry.data_offset = local + kLocalHeaderBytes + local_name + local_extra;
    if (!fits(entry.data_offset, entry.stored_size, dir.offset)) {
      fail(path, "entry '", entry.name, "': its ", entry.stored_size, " bytes at offset ", entry.data_offset,
           " reach past the central directory at ", dir.offset, " (truncated or corrupt)");
    }
    if (entry.method == 0 && entry.stored_size != entry.size) {
      fail(path, "entry '", entry.name, "' is stored but its sizes differ (", entry.stored_size, " vs ", entry.size,
           ")");
    }
    if (!archive.index_.emplace(entry.name, archive.entries_.size()).second) {
      fail(path, "entry '", entry.name, "' appears twice");
    }
    archive.entries_.push_back(std::move(entry));
  }
  return archive;
}

const ZipEntry* ZipArchive::find(std::string_view name) const {
  const auto it = index_.find(name);
  return it == index_.end() ? nullptr : &entries_[it->second];
}

std::span<const unsigned char> ZipArchive::read(const ZipEntry& entry) const {
  if (entry.method != 0) {
    fail(path_, "entry '", entry.name, "' is compressed (method ", entry.method,
         "); only stored entries (method 0), as torch.save writes them, can be read");
  }
  return {file_.data() + entry.data_offset, static_cast<std::size_t>(entry.size)};
}

std::span<const unsigned char> ZipArchive::read_verified(const ZipEntry& entry) const {
  const std::span<const unsigned char> bytes = read(entry);
  const std::uint32_t crc = zip_crc32(bytes);
  if (crc != entry.crc32) {
    fail(path_, "entry '", entry.name, "' is corrupt: CRC-32 0x", std::hex, crc, " where the directory records 0x",
         entry.crc32);
  }
  return bytes;
}

std::uint32_t zip_crc32(std::span<const unsigned char> bytes) {
  static constexpr std::array<std::uint32_t, 256> kTable = [] {
    std::array<std::uint32_t, 256> table{};
    for (std::uint32_t i = 0; i < 256; ++i) {
      std::uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      table[i] = c;
    }
    return table;
  }();
  std::uint32_t crc = 0xFFFFFFFFu;
  for (unsigned char b : bytes) crc = kTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
  return crc ^ 0xFFFFFFFFu;
}

}  // namespace pare
