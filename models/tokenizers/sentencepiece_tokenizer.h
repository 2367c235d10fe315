// SentencePieceTokenizer: a sentencepiece .model (unigram or BPE) through the sentencepiece library.
// The text is normalised as the model says (its own normaliser, e.g. nmt_nfkc); invalid UTF-8 bytes
// are replaced by U+FFFD first, which nmt_nfkc removes (other normalisers may map it to the unknown
// piece).
// Special ids, by what the model has:
//   cls  "[CLS]", else the model's bos piece ("<s>")     sep  "[SEP]", else its eos piece ("</s>")
//   pad  "[PAD]", else "<pad>", else the model's pad id   mask "[MASK]", else "<mask>"
//   unk  the model's unknown piece (every sentencepiece model has one)
// Models trained by train_sentencepiece() have [PAD]=0, [UNK]=1, [CLS]=2, [SEP]=3, [MASK]=4.
#pragma once

#include <filesystem>
#include <memory>

#include "models/tokenizers/tokenizer.h"

namespace sentencepiece {
class SentencePieceProcessor;
}

namespace pare {

class SentencePieceTokenizer final : public Tokenizer {
 public:
  explicit SentencePieceTokenizer(const std::filesystem::path& model_file);
  ~SentencePieceTokenizer() override;

  std::vector<std::int64_t> encode(std::string_view text) const override;
  TokenOffsets encode_with_offsets(std::string_view text) const override;
  std::string decode(std::span<const std::int64_t> ids, bool skip_special_tokens = true) const override;
  std::int64_t vocab_size() const override;
  std::string id_to_token(std::int64_t id) const override;
  std::optional<std::int64_t> token_to_id(std::string_view token) const override;

 private:
  std::unique_ptr<sentencepiece::SentencePieceProcessor> processor_;
  std::filesystem::path path_;
};

}  // namespace pare
