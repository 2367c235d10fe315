// A model's config.json: parsed and validated; what is accepted must survive a round trip through
// to_json unchanged (what pare writes for a model is what it reads back).
#include <cstdlib>

#include "models/bert_config.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::filesystem::path path = pare::fuzz::write_input("config.json", data, size);
  pare::fuzz::read_or_refuse([&] {
    const pare::BertConfig config = pare::BertConfig::load(path);
    const nlohmann::json written = config.to_json();
    if (pare::BertConfig::from_json(written, "round trip").to_json() != written) std::abort();
  });
  return 0;
}
