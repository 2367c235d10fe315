// What every fuzz target shares. pare's readers take paths, so each input is written to a file in a
// folder of this process (a TemporaryDirectory, removed at exit). And the one rule every target checks:
// an input is read, or refused with pare::Error. Any other exception escaping (std::bad_alloc,
// nlohmann's, std::out_of_range), a crash, a sanitizer report, a leak, an allocation past libFuzzer's
// -rss_limit_mb or a hang is a finding.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "runtime/error.h"
#include "runtime/io/temporary_directory.h"  // TemporaryDirectory

namespace pare::fuzz {

inline const std::filesystem::path& scratch_folder() {
  static const TemporaryDirectory folder(std::filesystem::temp_directory_path(), "pare_fuzz_");
  return folder.path();
}

inline std::filesystem::path write_file(const std::filesystem::path& path, const void* data, std::size_t size) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(static_cast<const char*>(data), static_cast<std::streamsize>(size));
  PARE_CHECK(out.good(), "fuzz: cannot write ", path);
  return path;
}

// The input as the file `name` in the scratch folder, replacing the previous input.
inline std::filesystem::path write_input(const std::string& name, const std::uint8_t* data, std::size_t size) {
  return write_file(scratch_folder() / name, data, size);
}

inline std::filesystem::path write_input(const std::string& name, const std::string& bytes) {
  return write_file(scratch_folder() / name, bytes.data(), bytes.size());
}

// Runs `read`; pare::Error (a refusal with a message) is the only failure allowed to pass.
template <typename Read>
void read_or_refuse(Read&& read) {
  try {
    read();
  } catch (const Error&) {
  }
}

}  // namespace pare::fuzz
