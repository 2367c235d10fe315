// A sharded checkpoint's model.safetensors.index.json beside the two real shards of
// tests/data/bert_tiny/token_sharded: the weight map, shard names (paths that leave the folder
// included) and the tensors it assigns.
#include "models/checkpoint.h"
#include "tests/fuzz/fuzz_input.h"

namespace {

const std::filesystem::path& model_folder() {
  static const std::filesystem::path folder = [] {
    const std::filesystem::path fixture = std::filesystem::path(PARE_TEST_DATA_DIR) / "bert_tiny" / "token_sharded";
    const std::filesystem::path out = pare::fuzz::scratch_folder() / "model";
    std::filesystem::create_directories(out);
    for (const char* name : {"config.json", "model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"}) {
      std::filesystem::copy_file(fixture / name, out / name, std::filesystem::copy_options::overwrite_existing);
    }
    return out;
  }();
  return folder;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::filesystem::path& folder = model_folder();
  pare::fuzz::write_file(folder / "model.safetensors.index.json", data, size);
  pare::fuzz::read_or_refuse([&] { pare::read_checkpoint_tensors(folder); });
  return 0;
}
