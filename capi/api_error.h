// How the C API reports failure: ApiError carries the pare_status a refusal returns; guarded() runs
// a call's body, turns every exception into a status and this thread's last error, and lets none
// past the C boundary.
#pragma once

#include <stdexcept>
#include <string>

#include "pare/pare.h"

namespace pare::capi {

class ApiError : public std::runtime_error {
 public:
  ApiError(pare_status status, const std::string& message) : std::runtime_error(message), status_(status) {}
  pare_status status() const { return status_; }

 private:
  pare_status status_;
};

// Records `message` as this thread's last error and returns `status`.
int fail(pare_status status, const std::string& message);

// Throws ApiError(PARE_ERROR_ARGUMENT, "<function>: <name> is NULL") when `pointer` is null.
void require_not_null(const void* pointer, const char* function, const char* name);

// Runs `body` (returning nothing) and gives PARE_OK, or the status of what it threw: ApiError's own,
// PARE_ERROR_OUT_OF_MEMORY for std::bad_alloc, `otherwise` for any other exception (pare::Error
// from a model file is PARE_ERROR_MODEL while loading, an internal defect afterwards). Every
// message starts with `function`.
template <typename Body>
int guarded(const char* function, pare_status otherwise, Body&& body) noexcept {
  try {
    body();
    return PARE_OK;
  } catch (const ApiError& e) {
    return fail(e.status(), e.what());
  } catch (const std::bad_alloc&) {
    return fail(PARE_ERROR_OUT_OF_MEMORY, std::string(function) + ": out of memory");
  } catch (const std::exception& e) {
    return fail(otherwise, std::string(function) + ": " + e.what());
  } catch (...) {
    return fail(PARE_ERROR_INTERNAL, std::string(function) + ": unknown exception");
  }
}

}  // namespace pare::capi
