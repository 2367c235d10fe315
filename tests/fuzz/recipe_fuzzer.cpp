// A recipe: read as `pare run --recipe` reads it; when it loads, written into run.json's form and
// read back, which must give the same recipe (a resumed run continues from that copy), and checked
// against a model as `pare run` does before anything trains.
#include <cstdio>
#include <cstdlib>
#include <optional>

#include "pipeline/pipeline_options.h"
#include "pipeline/recipe.h"
#include "pipeline/run_preflight.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::filesystem::path path = pare::fuzz::write_input("recipe.json", data, size);
  std::optional<pare::Recipe> recipe;
  pare::fuzz::read_or_refuse([&] { recipe = pare::Recipe::load(path); });
  if (!recipe) return 0;
  // Outside read_or_refuse: a recipe pare accepted and wrote must read back, so an Error escapes.
  const nlohmann::json written = recipe->to_json();
  if (pare::Recipe::from_json(written, "run.json", path.parent_path(), "recipe").to_json() != written) {
    std::fprintf(stderr, "recipe changed through run.json: %s\n", written.dump().c_str());
    std::abort();
  }
  pare::PipelineOptions options;
  options.recipe = *recipe;
  // The smallest named size: building the recipe's own ("base") for every input would be most of
  // the run's time; the checks' code paths are the same.
  options.recipe.pretrain.size = "tiny";
  pare::fuzz::read_or_refuse([&] { pare::check_run_before_training(options); });
  return 0;
}
