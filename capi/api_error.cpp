#include "capi/api_error.h"

namespace pare::capi {
namespace {

thread_local std::string last_error;

}  // namespace

int fail(pare_status status, const std::string& message) {
  try {
    last_error = message;
  } catch (...) {
    // No memory for the message: the status still says what happened.
    last_error.clear();
  }
  return status;
}

void require_not_null(const void* pointer, const char* function, const char* name) {
  if (pointer == nullptr) throw ApiError(PARE_ERROR_ARGUMENT, std::string(function) + ": " + name + " is NULL");
}

}  // namespace pare::capi

extern "C" const char* pare_last_error(void) { return pare::capi::last_error.c_str(); }
