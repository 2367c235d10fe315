// Text through the WordPiece tokenizer of tests/data/tokenizers/wordpiece (BERT's basic tokenizer:
// UTF-8 decoding, normalisation, accents, CJK, punctuation): the input up to its first tab is the
// first text, the rest the second; each id decodes to a token of the vocabulary.
#include <cstdlib>
#include <string_view>

#include "models/tokenizers/tokenizer.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto tokenizer =
      pare::load_tokenizer(std::filesystem::path(PARE_TEST_DATA_DIR) / "tokenizers" / "wordpiece" / "vocab.txt");
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t tab = input.find('\t');
  const std::string_view first = input.substr(0, tab);
  const std::string_view second = tab == std::string_view::npos ? std::string_view() : input.substr(tab + 1);
  pare::fuzz::read_or_refuse([&] {
    const pare::Encoding encoding = tokenizer->encode_pair(first, second, 32);
    if (encoding.ids.size() > 32 || encoding.ids.size() != encoding.token_type_ids.size()) std::abort();
    for (std::int64_t id : encoding.ids) {
      if (id < 0 || id >= tokenizer->vocab_size()) std::abort();
    }
    tokenizer->decode(encoding.ids);
    tokenizer->encode(input);
  });
  return 0;
}
