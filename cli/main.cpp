// The pare executable: sub-commands wired with CLI11. Errors end with one line and exit status 2.
#include <CLI/CLI.hpp>

#include <iostream>

#include "runtime/error.h"

int main(int argc, char** argv) {
  CLI::App app{"pare: prune and distil BERT-class models"};
  app.require_subcommand(1);
  CLI11_PARSE(app, argc, argv);
  return 0;
}
