// pare::Error and PARE_CHECK: every library failure throws; only cli/ turns one into an exit status.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>

namespace pare {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Work that stopped on a signal (SIGINT, SIGTERM, SIGHUP) after saving what resumes it; the
// message says how to continue. The pare executable exits with status 130 on it.
class Interrupted : public Error {
 public:
  using Error::Error;
};

namespace detail {
template <typename... Parts>
std::string concat(const Parts&... parts) {
  std::ostringstream out;
  (out << ... << parts);
  return out.str();
}
}  // namespace detail

}  // namespace pare

// Throws pare::Error with the message parts streamed together when `cond` is false.
#define PARE_CHECK(cond, ...)                                              \
  do {                                                                     \
    if (!(cond)) throw ::pare::Error(::pare::detail::concat(__VA_ARGS__)); \
  } while (0)
