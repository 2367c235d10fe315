#include "runtime/io/temporary_directory.h"

#include <stdlib.h>  // mkdtemp

#include <cerrno>
#include <cstring>  // strerror
#include <system_error>

#include "runtime/error.h"  // PARE_CHECK

namespace pare {

TemporaryDirectory::TemporaryDirectory(const std::filesystem::path& parent, const std::string& prefix) {
  const std::string pattern = (parent / (prefix + "XXXXXX")).string();
  std::string name = pattern;  // mkdtemp fills in the X's, also when it fails
  PARE_CHECK(::mkdtemp(name.data()) != nullptr, "cannot create the temporary folder ", pattern, ": ",
             std::strerror(errno));
  path_ = name;
}

TemporaryDirectory::~TemporaryDirectory() {
  std::error_code ignored;  // a destructor must not throw; what cannot be removed stays
  std::filesystem::remove_all(path_, ignored);
}

}  // namespace pare
