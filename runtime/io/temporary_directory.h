// TemporaryDirectory: a fresh folder that lives as long as the object, for work that must leave
// nothing behind (sentencepiece training's files, the tests' and fuzz targets' scratch space). Its
// name is `prefix` plus six characters mkdtemp picks, so no other process, call or user's folder
// ever shares it; the folder and everything in it go when the object does, however the scope ends.
// (Temporary names beside a target that are renamed into place are runtime/io/temporary_sibling.h.)
#pragma once

#include <filesystem>
#include <string>

namespace pare {

class TemporaryDirectory {
 public:
  // Creates `parent / (prefix + "XXXXXX")`. Throws pare::Error naming the folder and the system's
  // reason when it cannot.
  TemporaryDirectory(const std::filesystem::path& parent, const std::string& prefix);
  ~TemporaryDirectory();
  TemporaryDirectory(const TemporaryDirectory&) = delete;
  TemporaryDirectory& operator=(const TemporaryDirectory&) = delete;

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace pare
