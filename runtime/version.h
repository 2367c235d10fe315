// pare's version, printed by --version and recorded in every pipeline run (run.json), so a run
// resumed by another version is noticed.
#pragma once

namespace pare {

inline constexpr const char* kPareVersion = "0.1.0";

}  // namespace pare
