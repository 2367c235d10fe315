// A whole pytorch_model.bin: the zip reader (entries, ZIP64, CRC-32), then the restricted unpickler
// and the tensors it rebuilds. Most mutations break the zip; torch_pickle_fuzzer.cpp reaches the
// unpickler with a valid archive around each input.
#include "runtime/io/pytorch_checkpoint.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::filesystem::path path = pare::fuzz::write_input("pytorch_model.bin", data, size);
  pare::fuzz::read_or_refuse([&] { pare::load_pytorch_checkpoint(path); });
  return 0;
}
