// pare export: a model directory as an ONNX file. The work is done by pare-onnx-export (export/),
// a program of its own beside this one (export/onnx_export_main.cpp says why), which this command
// runs in its place once the options are checked.
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "runtime/error.h"

namespace pare::cli {

void add_export_command(CLI::App& app) {
  struct Options {
    std::string model, out;
    bool overwrite = false;
  };
  auto options = std::make_shared<Options>();
  CLI::App* cmd = app.add_subcommand(
      "export",
      "Write a model directory as an ONNX model (opset 17; inputs input_ids, attention_mask, token_type_ids)");
  cmd->add_option("--model", options->model, "Model directory (dense, pruned, hidden-pruned or int8)")->required();
  cmd->add_option("--out", options->out, "ONNX file to write (atomically)")->required();
  cmd->add_flag("--overwrite", options->overwrite, "replace --out when it exists");
  cmd->callback([options] {
#ifdef PARE_HAVE_ONNX
    const std::filesystem::path helper =
        std::filesystem::read_symlink("/proc/self/exe").parent_path() / "pare-onnx-export";
    std::vector<std::string> args = {helper.string(), options->model, options->out};
    if (options->overwrite) args.emplace_back("--overwrite");
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(helper.c_str(), argv.data());
    throw Error("pare export: cannot run " + helper.string() + " (" + std::strerror(errno) +
                "); it is built beside pare, reinstall pare");
#else
    throw Error("pare export: this pare was built without libonnx (apt-get install libonnx-dev, then rebuild)");
#endif
  });
}

}  // namespace pare::cli
