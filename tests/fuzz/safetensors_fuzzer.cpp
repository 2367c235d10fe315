// A safetensors file: its header (JSON with dtypes, shapes and offsets), then every tensor loaded.
#include "runtime/io/safetensors.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::filesystem::path path = pare::fuzz::write_input("model.safetensors", data, size);
  pare::fuzz::read_or_refuse([&] {
    const pare::SafetensorsFile file = pare::SafetensorsFile::open(path);
    for (const std::string& name : file.names()) file.load(name);
  });
  return 0;
}
