// The input as the pickle (data.pkl) of an otherwise valid torch.save archive whose storages are
// those of tests/data/torch_checkpoints/state.bin: the restricted unpickler, the torch globals it
// allows and the tensor views it rebuilds, each input reaching them past the zip layer.
#include <string>
#include <utility>
#include <vector>

#include "runtime/io/pytorch_checkpoint.h"
#include "runtime/io/zip_archive.h"
#include "tests/fuzz/fuzz_input.h"
#include "tests/zip_writer.h"

namespace {

std::vector<std::pair<std::string, std::string>> fixture_storages() {
  const pare::ZipArchive fixture =
      pare::ZipArchive::open(std::filesystem::path(PARE_TEST_DATA_DIR) / "torch_checkpoints" / "state.bin");
  std::vector<std::pair<std::string, std::string>> storages;
  for (const pare::ZipEntry& entry : fixture.entries()) {
    const std::size_t data = entry.name.find("/data/");
    if (data == std::string::npos) continue;
    const auto bytes = fixture.read(entry);
    storages.emplace_back(entry.name.substr(data + 6), std::string(bytes.begin(), bytes.end()));
  }
  return storages;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto storages = fixture_storages();
  const std::string pickle(reinterpret_cast<const char*>(data), size);
  const std::filesystem::path path =
      pare::fuzz::write_input("pytorch_model.bin", pare::testing::torch_zip(pickle, storages));
  pare::fuzz::read_or_refuse([&] { pare::load_pytorch_checkpoint(path); });
  return 0;
}
