#include "runtime/io/temporary_sibling.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <string>

#include "runtime/error.h"

namespace pare {
namespace {

namespace fs = std::filesystem;

std::string prefix_of(const fs::path& target, std::string_view kind) {
  std::string prefix = ".";
  prefix += target.filename().string();
  prefix += ".pare-";
  prefix += kind;
  prefix += '.';
  return prefix;
}

fs::path folder_of(const fs::path& target) { return target.has_parent_path() ? target.parent_path() : fs::path("."); }

// EPERM: the process exists under another user.
bool running(pid_t pid) { return ::kill(pid, 0) == 0 || errno == EPERM; }

}  // namespace

fs::path temporary_sibling(const fs::path& target, std::string_view kind) {
  PARE_CHECK(!target.filename().empty(), "'", target.string(), "' names no file or folder");
  static std::atomic<std::uint64_t> counter{0};
  std::string name = prefix_of(target, kind);
  name += std::to_string(::getpid());
  name += '.';
  name += std::to_string(counter.fetch_add(1));
  return folder_of(target) / name;
}

std::vector<LeftTemporary> left_temporaries(const fs::path& target, std::string_view kind) {
  const std::string prefix = prefix_of(target, kind);
  std::vector<std::pair<fs::file_time_type, LeftTemporary>> found;
  std::error_code ec;
  for (fs::directory_iterator it(folder_of(target), ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) continue;
    pid_t pid = 0;
    const char* first = name.data() + prefix.size();
    const char* last = name.data() + name.size();
    const auto [stop, error] = std::from_chars(first, last, pid);
    if (error != std::errc() || stop == last || *stop != '.' || pid <= 0 || running(pid)) continue;
    std::error_code time_error;
    found.push_back({fs::last_write_time(it->path(), time_error), {it->path(), pid}});
  }
  std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<LeftTemporary> out;
  for (auto& [time, left] : found) out.push_back(std::move(left));
  return out;
}

void remove_left_temporaries(const fs::path& target, std::string_view kind) {
  for (const LeftTemporary& left : left_temporaries(target, kind)) {
    std::error_code ec;
    fs::remove_all(left.path, ec);
    PARE_CHECK(!ec, "cannot remove '", left.path.string(), "' (left by process ", left.pid, "): ", ec.message());
  }
}

}  // namespace pare
