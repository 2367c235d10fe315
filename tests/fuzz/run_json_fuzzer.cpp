// run.json, the record `pare run --resume` continues from: read as the resume reads it; when it
// loads, written back and read again, which must give the same record (the resume compares the
// record with the options it asks for, and every finished stage's copy with both).
#include <cstdio>
#include <cstdlib>
#include <optional>

#include "pipeline/pipeline_options.h"
#include "pipeline/pipeline_run.h"  // load_run_options
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::filesystem::path path = pare::fuzz::write_input("run.json", data, size);
  std::optional<pare::PipelineOptions> options;
  pare::fuzz::read_or_refuse([&] { options = pare::load_run_options(path.parent_path()); });
  if (!options) return 0;
  // Outside read_or_refuse: a record pare accepted and wrote must read back, so an Error escapes.
  const nlohmann::json written = pare::options_json(*options);
  if (pare::options_json(pare::options_from_json(written, path.string())) != written) {
    std::fprintf(stderr, "run.json changed when written back: %s\n", written.dump().c_str());
    std::abort();
  }
  return 0;
}
