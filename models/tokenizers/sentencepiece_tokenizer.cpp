#include "models/tokenizers/sentencepiece_tokenizer.h"

#include <sentencepiece_processor.h>

#include "models/tokenizers/utf8.h"  // sanitize
#include "runtime/error.h"

namespace pare {

SentencePieceTokenizer::SentencePieceTokenizer(const std::filesystem::path& model_file)
    : processor_(std::make_unique<sentencepiece::SentencePieceProcessor>()), path_(model_file) {
  PARE_CHECK(std::filesystem::is_regular_file(model_file), "sentencepiece: model file ", model_file, " not found");
  const auto status = processor_->Load(model_file.string());
  PARE_CHECK(status.ok(), "sentencepiece: cannot load ", model_file, ": ", status.ToString());

  auto first_of = [this](std::initializer_list<const char*> pieces) -> std::optional<std::int64_t> {
    for (const char* piece : pieces) {
      if (auto id = token_to_id(piece)) return id;
    }
    return std::nullopt;
  };
  auto model_id = [](int id) { return id >= 0 ? std::optional<std::int64_t>(id) : std::nullopt; };
  special_.cls = first_of({"[CLS]"});
  if (!special_.cls) special_.cls = model_id(processor_->bos_id());
  special_.sep = first_of({"[SEP]"});
  if (!special_.sep) special_.sep = model_id(processor_->eos_id());
  special_.pad = first_of({"[PAD]", "<pad>"});
  if (!special_.pad) special_.pad = model_id(processor_->pad_id());
  special_.mask = first_of({"[MASK]", "<mask>"});
  special_.unk = model_id(processor_->unk_id());
}

SentencePieceTokenizer::~SentencePieceTokenizer() = default;

std::vector<std::int64_t> SentencePieceTokenizer::encode(std::string_view text) const {
  std::vector<int> ids;
  const auto status = processor_->Encode(utf8::sanitize(text), &ids);
  PARE_CHECK(status.ok(), "sentencepiece ", path_, ": encode failed: ", status.ToString());
  return {ids.begin(), ids.end()};
}

TokenOffsets SentencePieceTokenizer::encode_with_offsets(std::string_view text) const {
  const auto bad = utf8::first_invalid_byte(text);
  PARE_CHECK(!bad, "tokenizer: the text is not valid UTF-8 at byte ", bad.value_or(0));
  // sentencepiece keeps each piece's byte range in the input through its normalisation.
  sentencepiece::ImmutableSentencePieceText encoded;
  const auto status = processor_->Encode(absl::string_view(text.data(), text.size()), encoded.mutable_proto());
  PARE_CHECK(status.ok(), "sentencepiece ", path_, ": encode failed: ", status.ToString());
  TokenOffsets out;
  for (const auto& piece : encoded.pieces()) {
    out.ids.push_back(piece.id());
    out.offsets.emplace_back(piece.begin(), piece.end());
  }
  return out;
}

std::string SentencePieceTokenizer::decode(std::span<const std::int64_t> ids, bool skip_special_tokens) const {
  std::vector<int> kept;
  kept.reserve(ids.size());
  for (std::int64_t id : ids) {
    PARE_CHECK(id >= 0 && id < vocab_size(), "sentencepiece ", path_, ": token id ", id, " outside the vocabulary [0, ",
               vocab_size(), ")");
    const bool special = id == special_.cls || id == special_.sep || id == special_.pad || id == special_.mask;
    if (skip_special_tokens && special) continue;
    kept.push_back(static_cast<int>(id));
  }
  std::string text;
  const auto status = processor_->Decode(kept, &text);
  PARE_CHECK(status.ok(), "sentencepiece ", path_, ": decode failed: ", status.ToString());
  return text;
}

std::int64_t SentencePieceTokenizer::vocab_size() const { return processor_->GetPieceSize(); }

std::string SentencePieceTokenizer::id_to_token(std::int64_t id) const {
  PARE_CHECK(id >= 0 && id < vocab_size(), "sentencepiece ", path_, ": token id ", id, " outside the vocabulary [0, ",
             vocab_size(), ")");
  return processor_->IdToPiece(static_cast<int>(id));
}

std::optional<std::int64_t> SentencePieceTokenizer::token_to_id(std::string_view token) const {
  const int id = processor_->PieceToId(token);
  // PieceToId answers the unknown id for pieces it lacks; only the unknown piece itself maps there.
  if (id < 0 || (processor_->IsUnknown(id) && processor_->IdToPiece(id) != token)) return std::nullopt;
  return id;
}

}  // namespace pare
