// Each sub-command of the pare executable registers itself on the CLI11 app; main.cpp calls these.
#pragma once

#include <CLI/CLI.hpp>

namespace pare::cli {

void add_selftest_command(CLI::App& app);   // cli/selftest_command.cpp
void add_forward_command(CLI::App& app);    // cli/forward_command.cpp
void add_tokenizer_command(CLI::App& app);  // cli/tokenizer_command.cpp
void add_train_commands(CLI::App& app);     // cli/train_commands.cpp: pretrain, finetune, eval
void add_bench_command(CLI::App& app);      // cli/bench_command.cpp
void add_speedup_command(CLI::App& app);    // cli/speedup_command.cpp
void add_quantize_command(CLI::App& app);   // cli/quantize_command.cpp
void add_export_command(CLI::App& app);     // cli/export_command.cpp
void add_inspect_command(CLI::App& app);    // cli/inspect_command.cpp
void add_prune_command(CLI::App& app);      // cli/prune_command.cpp
void add_distill_command(CLI::App& app);    // cli/distill_command.cpp
void add_run_command(CLI::App& app);        // cli/run_command.cpp: run, sweep

}  // namespace pare::cli
