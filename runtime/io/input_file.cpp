#include "runtime/io/input_file.h"

#include <fstream>

#include "runtime/error.h"
#include "runtime/host_memory.h"

namespace pare {
namespace {

namespace fs = std::filesystem;

std::uint64_t max_input_bytes() { return host_memory_bytes() / 4; }

}  // namespace

void check_input_file(const fs::path& path, const std::string& what) {
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  PARE_CHECK(!ec && fs::exists(status), path.string(), ": cannot open the ", what, ": no such file");
  PARE_CHECK(!fs::is_directory(status), path.string(), ": cannot open the ", what, ": it is a folder");
  PARE_CHECK(fs::is_regular_file(status) || fs::is_fifo(status), path.string(), ": the ", what,
             " is not a regular file (a device or socket; a device such as /dev/zero never ends)");
  if (!fs::is_regular_file(status)) return;
  const std::uintmax_t size = fs::file_size(path, ec);
  PARE_CHECK(!ec, path.string(), ": cannot read the size of the ", what, ": ", ec.message());
  PARE_CHECK(size <= max_input_bytes(), path.string(), ": the ", what, " holds ",
             format_bytes(static_cast<double>(size)),
             ", more than pare reads from one file on this machine (a quarter of its ",
             format_bytes(static_cast<double>(host_memory_bytes())), " of memory)");
}

std::string read_input_file(const fs::path& path, const std::string& what) {
  check_input_file(path, what);
  std::ifstream in(path, std::ios::binary);
  PARE_CHECK(in.is_open(), path.string(), ": cannot open the ", what);
  const std::uint64_t bound = max_input_bytes();
  std::string text;
  char buffer[1 << 16];
  while (in.read(buffer, sizeof(buffer)) || in.gcount() > 0) {
    text.append(buffer, static_cast<std::size_t>(in.gcount()));
    PARE_CHECK(text.size() <= bound, path.string(), ": the ", what, " goes on past ",
               format_bytes(static_cast<double>(bound)), " (a quarter of this machine's memory); pare stopped reading");
  }
  PARE_CHECK(!in.bad(), path.string(), ": cannot read the ", what);
  return text;
}

}  // namespace pare
