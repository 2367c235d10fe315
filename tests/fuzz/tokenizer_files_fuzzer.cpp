// Tokenizer files: the first byte picks which file the rest is (vocab.txt, tokenizer.json,
// tokenizer_config.json beside the fixture's vocab.txt, or a sentencepiece .model), which is loaded
// and then used on a fixed text pair.
#include <array>

#include "models/tokenizers/tokenizer.h"
#include "tests/fuzz/fuzz_input.h"

namespace {

const std::filesystem::path& folder_with_vocab() {
  static const std::filesystem::path folder = [] {
    const std::filesystem::path out = pare::fuzz::scratch_folder() / "with_vocab";
    std::filesystem::create_directories(out);
    std::filesystem::copy_file(std::filesystem::path(PARE_TEST_DATA_DIR) / "tokenizers" / "wordpiece" / "vocab.txt",
                               out / "vocab.txt", std::filesystem::copy_options::overwrite_existing);
    return out;
  }();
  return folder;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t kind = data[0] % 4;
  ++data;
  --size;
  std::filesystem::path load;
  if (kind == 0) load = pare::fuzz::write_input("vocab.txt", data, size);
  if (kind == 1) load = pare::fuzz::write_input("tokenizer.json", data, size);
  if (kind == 2) {
    pare::fuzz::write_file(folder_with_vocab() / "tokenizer_config.json", data, size);
    load = folder_with_vocab() / "vocab.txt";
  }
  if (kind == 3) load = pare::fuzz::write_input("spiece.model", data, size);
  pare::fuzz::read_or_refuse([&] {
    const auto tokenizer = pare::load_tokenizer(load);
    const pare::Encoding pair = tokenizer->encode_pair("Hello, World! Ünïcode 中文 tokens", "a second text 123", 24);
    tokenizer->decode(pair.ids);
    tokenizer->tokenize("unaffable [MASK] ##ing");
  });
  return 0;
}
