// The functions of include/pare/pare.h: arguments checked, then the work done by capi/'s helpers on
// models/ and the tokenizers, every exception turned into a status by guarded().
#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "capi/api_error.h"
#include "capi/model_handle.h"
#include "capi/text_batch.h"
#include "pare/pare.h"
#include "runtime/storage.h"  // release_cached_cpu_memory
#include "runtime/version.h"

using pare::capi::ApiError;
using pare::capi::guarded;
using pare::capi::require_not_null;

namespace {

void require_texts(const char* function, const char* const* texts, std::size_t n) {
  require_not_null(texts, function, "texts");
  if (n == 0) throw ApiError(PARE_ERROR_ARGUMENT, std::string(function) + ": n is 0; give at least one text");
}

// Copies the f32 rows of `values` ([rows, width], on the host) to out + first * width.
void copy_rows(const pare::Tensor& values, std::size_t first, float* out) {
  const pare::Tensor host = values.contiguous();
  std::memcpy(out + first * static_cast<std::size_t>(host.size(1)), host.data<float>(),
              static_cast<std::size_t>(host.numel()) * sizeof(float));
}

// Refuses a model whose head is not `task`'s.
void require_head(const char* function, const pare_model& model, pare::BertTask task) {
  if (model.model->task() != task) {
    const char* head = task == pare::BertTask::sequence_classification ? "sequence" : "token";
    throw ApiError(PARE_ERROR_UNSUPPORTED, std::string(function) + ": " + model.dir + " holds a " +
                                               pare::architecture_name(model.model->task()) + ", which has no " + head +
                                               "-classification head (config.json \"architectures\"); "
                                               "pare_embed works on it");
  }
}

// pare_tokenize and pare_encode: `type_ids` may be null.
int encode_into(const char* function, const pare_model* model, const char* text, const char* text_pair,
                std::int32_t* ids, std::int32_t* type_ids, std::size_t capacity, std::size_t* count) {
  return guarded(function, PARE_ERROR_INTERNAL, [&] {
    require_not_null(model, function, "model");
    require_not_null(count, function, "count");
    if (ids == nullptr && capacity > 0) {
      throw ApiError(PARE_ERROR_ARGUMENT,
                     std::string(function) + ": ids is NULL but capacity is " + std::to_string(capacity));
    }
    const pare::Encoding encoding = pare::capi::encode_text(*model, function, text, "text", text_pair, "text_pair");
    *count = encoding.ids.size();
    if (encoding.ids.size() > capacity) {
      throw ApiError(PARE_ERROR_BUFFER_TOO_SMALL, std::string(function) + ": the text needs " +
                                                      std::to_string(encoding.ids.size()) + " ids but capacity is " +
                                                      std::to_string(capacity));
    }
    // Ids are below the vocabulary size, which config.json keeps under 2^31.
    auto narrow = [](std::int64_t id) { return static_cast<std::int32_t>(id); };
    std::transform(encoding.ids.begin(), encoding.ids.end(), ids, narrow);
    if (type_ids != nullptr) {
      std::transform(encoding.token_type_ids.begin(), encoding.token_type_ids.end(), type_ids, narrow);
    }
  });
}

}  // namespace

extern "C" {

const char* pare_version(void) { return pare::kPareVersion; }

pare_model_options pare_model_default_options(void) {
  pare_model_options options;
  options.num_threads = 0;
  options.max_tokens = 0;
  options.max_batch = 0;
  options.pooling = PARE_POOLING_MEAN;
  return options;
}

int pare_model_load(const char* model_dir, pare_model** model) {
  return pare_model_load_with_options(model_dir, nullptr, model);
}

int pare_model_load_with_options(const char* model_dir, const pare_model_options* options, pare_model** model) {
  if (model != nullptr) *model = nullptr;
  return guarded("pare_model_load", PARE_ERROR_MODEL, [&] {
    require_not_null(model, "pare_model_load", "model");
    require_not_null(model_dir, "pare_model_load", "model_dir");
    if (*model_dir == '\0') throw ApiError(PARE_ERROR_ARGUMENT, "pare_model_load: model_dir is empty");
    const pare_model_options chosen = options != nullptr ? *options : pare_model_default_options();
    *model = pare::capi::load_model(model_dir, chosen).release();
  });
}

void pare_model_free(pare_model* model) {
  if (model == nullptr) return;
  delete model;
  // The model's weights went to the CPU allocator's cache; give them back to the system.
  pare::release_cached_cpu_memory();
}

pare_task pare_model_task(const pare_model* model) {
  if (model == nullptr) return PARE_TASK_ENCODER;
  switch (model->model->task()) {
    case pare::BertTask::sequence_classification:
      return PARE_TASK_SEQUENCE_CLASSIFICATION;
    case pare::BertTask::token_classification:
      return PARE_TASK_TOKEN_CLASSIFICATION;
    case pare::BertTask::masked_lm:
      return PARE_TASK_MASKED_LM;
    case pare::BertTask::question_answering:
      return PARE_TASK_QUESTION_ANSWERING;
    case pare::BertTask::base:
      break;
  }
  return PARE_TASK_ENCODER;
}

size_t pare_model_num_labels(const pare_model* model) { return model == nullptr ? 0 : model->labels.size(); }

const char* pare_model_label(const pare_model* model, size_t i) {
  if (model == nullptr || i >= model->labels.size()) return nullptr;
  return model->labels[i].c_str();
}

size_t pare_model_hidden_size(const pare_model* model) {
  return model == nullptr ? 0 : static_cast<std::size_t>(model->model->config().hidden_size);
}

size_t pare_model_max_tokens(const pare_model* model) { return model == nullptr ? 0 : model->max_tokens; }

int pare_tokenize(const pare_model* model, const char* text, const char* text_pair, int32_t* ids, size_t capacity,
                  size_t* count) {
  return encode_into("pare_tokenize", model, text, text_pair, ids, nullptr, capacity, count);
}

int pare_encode(const pare_model* model, const char* text, const char* text_pair, int32_t* ids, int32_t* type_ids,
                size_t capacity, size_t* count) {
  return encode_into("pare_encode", model, text, text_pair, ids, type_ids, capacity, count);
}

int pare_classify(pare_model* model, const char* const* texts, const char* const* text_pairs, size_t n, float* logits) {
  const char* fn = "pare_classify";
  return guarded(fn, PARE_ERROR_INTERNAL, [&] {
    require_not_null(model, fn, "model");
    require_texts(fn, texts, n);
    require_not_null(logits, fn, "logits");
    require_head(fn, *model, pare::BertTask::sequence_classification);
    const std::vector<pare::Encoding> encodings = pare::capi::encode_texts(*model, fn, texts, text_pairs, n);
    pare::capi::for_each_batch(*model, encodings, [&](const pare::BertInputs& inputs, std::size_t first) {
      copy_rows(model->model->forward(inputs).logits, first, logits);
    });
  });
}

int pare_classify_ids(pare_model* model, const int32_t* ids, const int32_t* type_ids, const size_t* lengths, size_t n,
                      float* logits) {
  const char* fn = "pare_classify_ids";
  return guarded(fn, PARE_ERROR_INTERNAL, [&] {
    require_not_null(model, fn, "model");
    require_not_null(ids, fn, "ids");
    require_not_null(lengths, fn, "lengths");
    if (n == 0) throw ApiError(PARE_ERROR_ARGUMENT, std::string(fn) + ": n is 0; give at least one sequence");
    require_not_null(logits, fn, "logits");
    require_head(fn, *model, pare::BertTask::sequence_classification);
    const pare::BertConfig& config = model->model->config();
    std::vector<pare::Encoding> encodings(n);
    std::size_t offset = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const std::string where = std::string(fn) + ": sequence " + std::to_string(i);
      if (lengths[i] == 0 || lengths[i] > model->max_tokens) {
        throw ApiError(PARE_ERROR_ARGUMENT, where + " has " + std::to_string(lengths[i]) + " ids; give 1 to " +
                                                std::to_string(model->max_tokens) + " (max_tokens)");
      }
      pare::Encoding& e = encodings[i];
      for (std::size_t t = offset; t < offset + lengths[i]; ++t) {
        if (ids[t] < 0 || ids[t] >= config.vocab_size) {
          throw ApiError(PARE_ERROR_ARGUMENT, where + ": id " + std::to_string(ids[t]) + " at ids[" +
                                                  std::to_string(t) + "] is outside the vocabulary [0, " +
                                                  std::to_string(config.vocab_size) + ")");
        }
        const std::int32_t type = type_ids == nullptr ? 0 : type_ids[t];
        if (type < 0 || type >= config.type_vocab_size) {
          throw ApiError(PARE_ERROR_ARGUMENT, where + ": token type " + std::to_string(type) + " at type_ids[" +
                                                  std::to_string(t) + "] is outside [0, " +
                                                  std::to_string(config.type_vocab_size) + ")");
        }
        e.ids.push_back(ids[t]);
        e.token_type_ids.push_back(type);
      }
      offset += lengths[i];
    }
    pare::capi::for_each_batch(*model, encodings, [&](const pare::BertInputs& inputs, std::size_t first) {
      copy_rows(model->model->forward(inputs).logits, first, logits);
    });
  });
}

int pare_classify_tokens(pare_model* model, const char* text, const char* text_pair, float* logits, size_t capacity,
                         size_t* count) {
  const char* fn = "pare_classify_tokens";
  return guarded(fn, PARE_ERROR_INTERNAL, [&] {
    require_not_null(model, fn, "model");
    require_not_null(count, fn, "count");
    if (logits == nullptr && capacity > 0) {
      throw ApiError(PARE_ERROR_ARGUMENT,
                     std::string(fn) + ": logits is NULL but capacity is " + std::to_string(capacity));
    }
    require_head(fn, *model, pare::BertTask::token_classification);
    const std::vector<pare::Encoding> encodings{
        pare::capi::encode_text(*model, fn, text, "text", text_pair, "text_pair")};
    *count = encodings[0].ids.size();
    if (encodings[0].ids.size() > capacity) {
      throw ApiError(PARE_ERROR_BUFFER_TOO_SMALL, std::string(fn) + ": the text has " +
                                                      std::to_string(encodings[0].ids.size()) +
                                                      " tokens but capacity is " + std::to_string(capacity));
    }
    pare::capi::for_each_batch(*model, encodings, [&](const pare::BertInputs& inputs, std::size_t) {
      const pare::Tensor rows = model->model->forward(inputs).logits;  // [1, tokens, labels]
      copy_rows(rows.reshape({rows.size(1), rows.size(2)}), 0, logits);
    });
  });
}

int pare_embed(pare_model* model, const char* const* texts, size_t n, float* embeddings) {
  const char* fn = "pare_embed";
  return guarded(fn, PARE_ERROR_INTERNAL, [&] {
    require_not_null(model, fn, "model");
    require_texts(fn, texts, n);
    require_not_null(embeddings, fn, "embeddings");
    const std::vector<pare::Encoding> encodings = pare::capi::encode_texts(*model, fn, texts, nullptr, n);
    const auto width = static_cast<std::size_t>(model->model->config().hidden_size);
    pare::capi::for_each_batch(*model, encodings, [&](const pare::BertInputs& inputs, std::size_t first) {
      const pare::Tensor hidden = model->model->bert().forward(inputs).last_hidden_state.contiguous();
      const std::size_t seq = static_cast<std::size_t>(hidden.size(1));
      const float* h = hidden.data<float>();
      for (std::int64_t b = 0; b < hidden.size(0); ++b) {
        float* out = embeddings + (first + static_cast<std::size_t>(b)) * width;
        const float* row = h + static_cast<std::size_t>(b) * seq * width;
        if (model->pooling == PARE_POOLING_CLS) {
          std::copy(row, row + width, out);
          continue;
        }
        // Mean over the text's tokens: the first ids.size() positions (the rest is padding). Summed in
        // double so the result does not depend on how long the batch's padding is.
        const std::size_t tokens = encodings[first + static_cast<std::size_t>(b)].ids.size();
        for (std::size_t d = 0; d < width; ++d) {
          double sum = 0.0;
          for (std::size_t t = 0; t < tokens; ++t) sum += row[t * width + d];
          out[d] = static_cast<float>(sum / static_cast<double>(tokens));
        }
      }
    });
  });
}

}  // extern "C"
