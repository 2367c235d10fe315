// pare run: the whole pruning pipeline of a recipe (pipeline/pipeline_run.h) with its report.
// pare sweep: the recipe's first (attention) stage at several regular_scale values, tabulated.
// Without --model, the run first trains a vocabulary and pretrains a model on Brown; without a task
// it runs on brown-order. Ctrl-C saves a checkpoint and exits with status 130; --resume continues.
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/strict_numbers.h"
#include "cli/training_options.h"  // add_user_data_flags, add_device_flag, add_precision_flag, data_source
#include "pipeline/pipeline_run.h"
#include "runtime/distributed/world.h"
#include "runtime/error.h"

namespace pare::cli {
namespace {

constexpr const char* kDefaultTask = "brown-order";

struct RunArgs {
  std::string recipe, model, task, data, brown, out, resume, device = "cpu", precision = "f32";
  UserDataFiles user;
  bool finetuned = false, quick = false;
  std::uint64_t seed = 42;
  std::size_t max_train = 0, max_eval = 0;
  std::vector<double> regular_scales;
};

void add_run_flags(CLI::App* cmd, RunArgs& a) {
  cmd->add_option("--recipe", a.recipe,
                  "recipe JSON (pipeline/recipes/README.md); default: pipeline/recipes/default.json, or quick.json "
                  "with --quick");
  cmd->add_option("--model", a.model,
                  "model directory to start from (a HF checkpoint or one of pare's); default: a vocabulary and a mini "
                  "BERT pretrained on Brown first");
  cmd->add_flag("--finetuned", a.finetuned, "--model is already fine-tuned on the task: use it as the teacher");
  cmd->add_option("--task", a.task,
                  std::string("brown-genre, brown-pos, brown-order or a GLUE task; or the user's files (--train, "
                              "--dev); default ") +
                      kDefaultTask);
  add_user_data_flags(cmd, a.user);
  cmd->add_option("--data", a.data, "GLUE: the task's directory");
  cmd->add_option("--brown", a.brown, "Brown corpus directory (default corpora/brown)");
  cmd->add_option("--out", a.out, "run directory to create (new or empty)");
  cmd->add_option("--resume", a.resume, "continue the run in this directory where it stopped");
  cmd->add_flag("--quick", a.quick, "a small run for smoke tests: quick.json, few examples, short timings");
  cmd->add_option("--seed", a.seed, "seed of data order, dropout, masking and new weights")
      ->check(bit_pattern())
      ->capture_default_str();
  cmd->add_option("--max-train", a.max_train, "use at most N training examples, evenly spread (0: all)")
      ->check(at_least(0));
  cmd->add_option("--max-eval", a.max_eval, "evaluate on at most N dev and test examples (0: all)")->check(at_least(0));
  add_device_flag(cmd, a.device);
  add_precision_flag(cmd, a.precision);
}

// The options the flags ask for.
PipelineOptions options_from_flags(const RunArgs& a, const std::string& out) {
  PipelineOptions o;
  const std::string recipe = !a.recipe.empty() ? a.recipe : "";
  o.recipe = recipe.empty() ? shipped_recipe(a.quick ? "quick" : "default") : Recipe::load(recipe);
  o.model_dir = a.model;
  PARE_CHECK(!a.finetuned || !a.model.empty(), "--finetuned describes --model: give the model too");
  o.finetuned = a.finetuned;
  const std::string task = a.task.empty() && !a.user.given() ? kDefaultTask : a.task;
  o.data = data_source(task, a.data, a.brown, a.user);
  o.out = out;
  o.seed = a.seed;
  o.precision = parse_precision(a.precision);
  o.device = parse_device(a.device);
  o.max_train = a.max_train;
  o.max_eval = a.max_eval;
  if (a.quick) {
    if (o.max_train == 0) o.max_train = 2000;
    if (o.max_eval == 0) o.max_eval = 300;
    o.latency_steps = 3;
    o.throughput_steps = 1;
  }
  o.sweep_regular_scales = a.regular_scales;
  return o;
}

void run(CLI::App* cmd, const RunArgs& a) {
  PARE_CHECK(a.out.empty() != a.resume.empty(), "give --out RUN for a new run or --resume RUN, not both");
  PipelineOptions options;
  if (a.resume.empty()) {
    options = options_from_flags(a, a.out);
  } else {
    options = load_run_options(a.resume);
    // Flags given beside --resume must describe the same run; run_pipeline lists any difference.
    bool shaping = false;
    for (const CLI::Option* option : cmd->get_options()) {
      const std::string name = option->get_name();
      shaping = shaping || (option->count() > 0 && name != "--resume" && name != "--help" && name != "-h");
    }
    if (shaping) {
      PipelineOptions asked = options_from_flags(a, a.resume);
      options = asked;
    }
  }
  const PipelineResult result = run_pipeline(options, !a.resume.empty());
  if (result.interrupted) {
    throw Interrupted("stopped at " + result.stopped_in +
                      " with everything done so far saved; continue with `pare run --resume " + options.out.string() +
                      "`");
  }
  if (writes_results()) std::cout << "report: " << (options.out / "report.md").string() << "\n";
}

}  // namespace

void add_run_command(CLI::App& app) {
  auto run_args = std::make_shared<RunArgs>();
  CLI::App* run_cmd = app.add_subcommand(
      "run",
      "The whole pipeline of a recipe: fine-tune the teacher, prune heads, FFN units and hidden dimensions with "
      "distillation, remove them, and report accuracy, size and speed of every stage");
  add_run_flags(run_cmd, *run_args);
  run_cmd->callback([run_cmd, run_args] { run(run_cmd, *run_args); });

  auto sweep_args = std::make_shared<RunArgs>();
  CLI::App* sweep_cmd = app.add_subcommand(
      "sweep",
      "The recipe's first pruning stage at several regular_scale values: heads left, sparsity, metric and "
      "speed-up of each");
  add_run_flags(sweep_cmd, *sweep_args);
  sweep_cmd->add_option("--regular-scale", sweep_args->regular_scales, "regular_scale values, comma-separated")
      ->delimiter(',');
  sweep_cmd->callback([sweep_cmd, sweep_args] {
    PARE_CHECK(!sweep_args->regular_scales.empty() || !sweep_args->resume.empty(),
               "sweep: give the strengths to try, e.g. --regular-scale 1,5,10,20");
    run(sweep_cmd, *sweep_args);
  });
}

}  // namespace pare::cli
