// The pare executable. Exit status: 0 done; 1 a usage mistake (unknown flag, bad value; CLI11's
// message); 2 an error (pare::Error or any other failure, one line on stderr); 130 stopped by
// SIGINT, SIGTERM or SIGHUP with a checkpoint saved (the line says how to resume).
//
// Under mpirun every process is one rank of a data-parallel job (runtime/distributed/world.h); a rank
// that fails ends the whole job with its status, so no rank waits forever for it in a collective.
#include <CLI/CLI.hpp>
#include <exception>
#include <iostream>
#include <new>
#include <string>

#include "cli/commands.h"
#include "cli/strict_numbers.h"
#include "runtime/distributed/world.h"
#include "runtime/error.h"
#include "runtime/version.h"
#include "train/interrupt.h"

namespace {

// The leading words of the command line must name a command (and a sub-command where it has them):
// CLI11 would answer `pare nosuch --help` with the main help and status 0, and `pare nosuch` with
// "The following argument was not expected". Returns the refusal, or "" when the words are known.
std::string unknown_command(CLI::App& app, int argc, char** argv) {
  CLI::App* level = &app;
  for (int i = 1; i < argc; ++i) {
    const std::string word = argv[i];
    if (word.empty() || word[0] == '-') return "";
    const std::vector<CLI::App*> commands = level->get_subcommands([](CLI::App*) { return true; });
    if (commands.empty()) return "";
    CLI::App* named = nullptr;
    std::string known;
    for (CLI::App* command : commands) {
      if (command->check_name(word)) named = command;
      known += (known.empty() ? "" : ", ") + command->get_name();
    }
    if (named == nullptr) {
      const std::string parent = level == &app ? "pare" : "pare " + level->get_name();
      return parent + ": unknown command '" + word + "' (the commands: " + known + "; `" + parent +
             " --help` says what each does)";
    }
    level = named;
  }
  return "";
}

}  // namespace

int main(int argc, char** argv) {
  pare::end_on_stop_signals_except_repeats();
  CLI::App app{"pare: prune and distil BERT-class models"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("pare ") + pare::kPareVersion);
  pare::cli::add_selftest_command(app);
  pare::cli::add_forward_command(app);
  pare::cli::add_tokenizer_command(app);
  pare::cli::add_bench_command(app);
  pare::cli::add_train_commands(app);
  pare::cli::add_speedup_command(app);
  pare::cli::add_quantize_command(app);
  pare::cli::add_export_command(app);
  pare::cli::add_inspect_command(app);
  pare::cli::add_prune_command(app);
  pare::cli::add_distill_command(app);
  pare::cli::add_run_command(app);
  pare::cli::require_strict_numbers(app);
  if (const std::string refusal = unknown_command(app, argc, argv); !refusal.empty()) {
    std::cerr << refusal << "\n";
    return 1;
  }
  int status = 0;
  try {
    pare::connect_world_from_environment();
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    status = app.exit(e) == 0 ? 0 : 1;  // --help and --version print and end well; a usage mistake is 1
  } catch (const pare::Interrupted& e) {
    std::cerr << "pare: " << e.what() << "\n";
    status = 130;
  } catch (const std::exception& e) {
    pare::Communicator& world = pare::world();
    // Checks before the large allocations name the sizes that cause them; one they missed still
    // says what ran out.
    const std::string what = dynamic_cast<const std::bad_alloc*>(&e) != nullptr
                                 ? "out of memory (std::bad_alloc): this machine cannot hold what the command "
                                   "asked for; smaller --batch, --seq or model sizes need less"
                                 : e.what();
    std::cerr << "pare: error: " << (world.size() > 1 ? "rank " + std::to_string(world.rank()) + ": " : "") << what
              << "\n";
    status = 2;
  }
  // An interrupted job stops on every rank at the same step; any other failure may be this rank's
  // alone while the others wait in a collective.
  if (status != 0 && status != 130 && pare::world().size() > 1) pare::world().abort(status);
  pare::set_world(nullptr);
  return status;
}
