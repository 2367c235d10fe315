#include "models/bert_sizes.h"

#include <array>

#include "runtime/error.h"

namespace pare {
namespace {

struct NamedSize {
  const char* name;
  std::int64_t layers;
  std::int64_t hidden;
};

constexpr std::array<NamedSize, 5> kSizes = {{
    {"tiny", 2, 128},
    {"mini", 4, 256},
    {"small", 4, 512},
    {"medium", 8, 512},
    {"base", 12, 768},
}};

std::string joined_names() {
  std::string out;
  for (const NamedSize& size : kSizes) out += (out.empty() ? "" : ", ") + std::string(size.name);
  return out;
}

}  // namespace

BertConfig named_bert_config(const std::string& name, std::int64_t vocab_size) {
  PARE_CHECK(vocab_size >= 1 && vocab_size <= kMaxBertVocabulary, "named_bert_config: vocab_size must lie in [1, ",
             kMaxBertVocabulary, "], got ", vocab_size);
  for (const NamedSize& size : kSizes) {
    if (name != size.name) continue;
    BertConfig config;
    config.vocab_size = vocab_size;
    config.hidden_size = size.hidden;
    config.num_hidden_layers = size.layers;
    config.num_attention_heads = size.hidden / 64;
    config.intermediate_size = 4 * size.hidden;
    config.reset_layer_shapes();
    config.validate("named_bert_config(\"" + name + "\")");
    return config;
  }
  throw Error(detail::concat("unknown model size \"", name, "\"; known sizes: ", joined_names()));
}

std::vector<std::string> bert_size_names() {
  std::vector<std::string> names;
  for (const NamedSize& size : kSizes) names.emplace_back(size.name);
  return names;
}

}  // namespace pare
