// The run report's figures (pipeline/run_report.h), drawn with pipeline/svg_chart.h from the
// report's stages, the models' config.json (which heads are gone) and the training logs.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>

namespace pare {

// Writes figures/*.svg into `run_dir`; returns their paths relative to it.
nlohmann::json write_report_figures(const std::filesystem::path& run_dir, const nlohmann::json& report);

}  // namespace pare
