// The pare executable. Exit status: 0 done; 1 a usage mistake (unknown flag, bad value; CLI11's
// message); 2 an error (pare::Error or any other failure, one line on stderr); 130 stopped by
// SIGINT, SIGTERM or SIGHUP with a checkpoint saved (the line says how to resume).
#include <CLI/CLI.hpp>
#include <exception>
#include <iostream>

#include "cli/commands.h"
#include "cli/strict_numbers.h"
#include "runtime/error.h"
#include "runtime/version.h"

int main(int argc, char** argv) {
  CLI::App app{"pare: prune and distil BERT-class models"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("pare ") + pare::kPareVersion);
  pare::cli::add_selftest_command(app);
  pare::cli::add_forward_command(app);
  pare::cli::add_tokenizer_command(app);
  pare::cli::add_bench_command(app);
  pare::cli::add_train_commands(app);
  pare::cli::add_speedup_command(app);
  pare::cli::add_inspect_command(app);
  pare::cli::add_prune_command(app);
  pare::cli::add_distill_command(app);
  pare::cli::add_run_command(app);
  pare::cli::require_strict_numbers(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 1;  // --help and --version print and end well; a usage mistake is 1
  } catch (const pare::Interrupted& e) {
    std::cerr << "pare: " << e.what() << "\n";
    return 130;
  } catch (const std::exception& e) {
    std::cerr << "pare: error: " << e.what() << "\n";
    return 2;
  }
  return 0;
}
