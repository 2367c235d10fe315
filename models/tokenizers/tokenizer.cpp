#include "models/tokenizers/tokenizer.h"

#include <algorithm>

#include "runtime/error.h"

namespace pare {
namespace {

std::int64_t required(const std::optional<std::int64_t>& id, const char* token) {
  PARE_CHECK(id.has_value(), "tokenizer: the vocabulary has no ", token, " token");
  return *id;
}

}  // namespace

Truncation parse_truncation(std::string_view name) {
  if (name == "longest_first") return Truncation::longest_first;
  if (name == "only_first") return Truncation::only_first;
  if (name == "only_second") return Truncation::only_second;
  throw Error(detail::concat("tokenizer: unknown truncation strategy '", name,
                             "' (expected longest_first, only_first or only_second)"));
}

std::vector<std::string> Tokenizer::tokenize(std::string_view text) const {
  std::vector<std::string> tokens;
  for (std::int64_t id : encode(text)) tokens.push_back(id_to_token(id));
  return tokens;
}

std::int64_t Tokenizer::cls_id() const { return required(special_.cls, "[CLS]"); }
std::int64_t Tokenizer::sep_id() const { return required(special_.sep, "[SEP]"); }
std::int64_t Tokenizer::pad_id() const { return required(special_.pad, "[PAD]"); }
std::int64_t Tokenizer::mask_id() const { return required(special_.mask, "[MASK]"); }
std::int64_t Tokenizer::unk_id() const { return required(special_.unk, "[UNK]"); }

void truncate_pair(std::vector<std::int64_t>& first, std::vector<std::int64_t>& second, std::size_t budget,
                   Truncation truncation) {
  const std::size_t total = first.size() + second.size();
  if (total <= budget) return;
  const std::size_t excess = total - budget;
  switch (truncation) {
    case Truncation::only_first:
      PARE_CHECK(first.size() >= excess, "tokenizer: truncation only_first must remove ", excess,
                 " tokens but the first sequence has only ", first.size(), " (second has ", second.size(), ")");
      first.resize(first.size() - excess);
      return;
    case Truncation::only_second:
      PARE_CHECK(second.size() >= excess, "tokenizer: truncation only_second must remove ", excess,
                 " tokens but the second sequence has only ", second.size(), " (first has ", first.size(), ")");
      second.resize(second.size() - excess);
      return;
    case Truncation::longest_first: {
      // Same result as removing one token at a time from the longer sequence, the second on a tie.
      std::size_t a = first.size(), b = second.size();
      const std::size_t shorter = std::min(a, b);
      if (budget >= 2 * shorter) {
        (a <= b ? b : a) = budget - shorter;
      } else {
        b = budget / 2;
        a = budget - b;
      }
      first.resize(a);
      second.resize(b);
      return;
    }
  }
}

Encoding Tokenizer::assemble(std::span<const std::int64_t> first, std::span<const std::int64_t> second,
                             bool pair) const {
  Encoding out;
  auto push = [&](std::int64_t id, std::int64_t type) {
    out.ids.push_back(id);
    out.token_type_ids.push_back(type);
    out.tokens.push_back(id_to_token(id));
  };
  push(cls_id(), 0);
  for (std::int64_t id : first) push(id, 0);
  push(sep_id(), 0);
  if (pair) {
    for (std::int64_t id : second) push(id, 1);
    push(sep_id(), 1);
  }
  return out;
}

Encoding Tokenizer::encode_single(std::string_view text, std::size_t max_length) const {
  std::vector<std::int64_t> ids = encode(text);
  if (max_length > 0) {
    PARE_CHECK(max_length >= 2, "tokenizer: max_length ", max_length, " cannot hold [CLS] and [SEP]");
    ids.resize(std::min(ids.size(), max_length - 2));
  }
  return assemble(ids, {}, false);
}

Encoding Tokenizer::encode_pair(std::string_view first, std::string_view second, std::size_t max_length,
                                Truncation truncation) const {
  std::vector<std::int64_t> a = encode(first), b = encode(second);
  if (max_length > 0) {
    PARE_CHECK(max_length >= 3, "tokenizer: max_length ", max_length, " cannot hold [CLS], [SEP] and [SEP]");
    truncate_pair(a, b, max_length - 3, truncation);
  }
  return assemble(a, b, true);
}

}  // namespace pare
