// Each sub-command of the pare executable registers itself on the CLI11 app.
#pragma once

#include <CLI/CLI.hpp>

namespace pare::cli {

void add_selftest_command(CLI::App& app);

}  // namespace pare::cli
