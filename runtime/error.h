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
