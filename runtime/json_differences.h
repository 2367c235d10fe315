// The differences between two JSON records of settings, one line each, nested fields by dotted
// path: what a resumed run refuses to continue under (a trainer checkpoint, a pipeline run).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace pare {

// "field: the run has X, this command asks Y" for each field whose values differ, or that only
// one side has.
std::vector<std::string> json_differences(const nlohmann::json& stored, const nlohmann::json& asked);

}  // namespace pare
