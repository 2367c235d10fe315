// The named sizes of the BERT family (Turc et al.'s compact models plus bert-base), for benchmarks
// and for pretraining from scratch without a config.json.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "models/bert_config.h"

namespace pare {

// "tiny" (2 layers, hidden 128), "mini" (4, 256), "small" (4, 512), "medium" (8, 512) and "base"
// (12, 768), with hidden / 64 heads, FFN 4 x hidden and the other fields at HF's defaults.
// Throws pare::Error listing the known names for any other name, or for vocab_size < 1.
BertConfig named_bert_config(const std::string& name, std::int64_t vocab_size = 30522);

// The names named_bert_config accepts, smallest first.
std::vector<std::string> bert_size_names();

}  // namespace pare
