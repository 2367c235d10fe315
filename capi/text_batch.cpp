#include "capi/text_batch.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <exception>
#include <string>
#include <string_view>

#include "capi/api_error.h"
#include "capi/model_handle.h"
#include "models/tokenizers/utf8.h"
#include "runtime/autograd.h"  // NoGradGuard
#include "runtime/parameter_cache.h"
#include "runtime/thread_count.h"

namespace pare::capi {
namespace {

std::string_view checked_text(const char* function, const char* text, const char* name) {
  if (text == nullptr) throw ApiError(PARE_ERROR_ARGUMENT, std::string(function) + ": " + name + " is NULL");
  const std::string_view view(text, std::strlen(text));
  if (view.empty()) {
    throw ApiError(PARE_ERROR_TEXT, std::string(function) + ": " + name + " is empty; give at least one character");
  }
  if (const auto bad = utf8::first_invalid_byte(view)) {
    throw ApiError(PARE_ERROR_TEXT, std::string(function) + ": " + name + " is not valid UTF-8 (byte " +
                                        std::to_string(*bad) + " of " + std::to_string(view.size()) + ")");
  }
  return view;
}

}  // namespace

Encoding encode_text(const pare_model& model, const char* function, const char* text, const char* text_name,
                     const char* pair, const char* pair_name) {
  const std::string_view first = checked_text(function, text, text_name);
  if (pair == nullptr) return model.tokenizer->encode_single(first, model.max_tokens);
  const std::string_view second = checked_text(function, pair, pair_name);
  return model.tokenizer->encode_pair(first, second, model.max_tokens, Truncation::longest_first);
}

std::vector<Encoding> encode_texts(const pare_model& model, const char* function, const char* const* texts,
                                   const char* const* text_pairs, std::size_t n) {
  // Every text checked first, in order, so that a refusal names the first bad one and comes before
  // any work; then tokenized on the call's threads (a batch of 32 texts of 64 tokens takes about
  // 1 ms on one thread: a tenth of a compact model's forward).
  std::vector<std::string_view> firsts(n), seconds(n);
  for (std::size_t i = 0; i < n; ++i) {
    firsts[i] = checked_text(function, texts[i], ("texts[" + std::to_string(i) + "]").c_str());
    if (text_pairs != nullptr && text_pairs[i] != nullptr) {
      seconds[i] = checked_text(function, text_pairs[i], ("text_pairs[" + std::to_string(i) + "]").c_str());
    }
  }
  std::vector<Encoding> encodings(n);
  std::vector<std::exception_ptr> failures(n);
  const auto count = static_cast<std::int64_t>(n);
#pragma omp parallel for num_threads(model.num_threads) schedule(dynamic, 1) if (n > 1)
  for (std::int64_t i = 0; i < count; ++i) {
    const auto k = static_cast<std::size_t>(i);
    try {
      encodings[k] = seconds[k].empty() ? model.tokenizer->encode_single(firsts[k], model.max_tokens)
                                        : model.tokenizer->encode_pair(firsts[k], seconds[k], model.max_tokens,
                                                                       Truncation::longest_first);
    } catch (...) {
      failures[k] = std::current_exception();  // no exception may leave an OpenMP region
    }
  }
  for (const std::exception_ptr& failure : failures) {
    if (failure) std::rethrow_exception(failure);
  }
  return encodings;
}

void for_each_batch(const pare_model& model, const std::vector<Encoding>& encodings,
                    const std::function<void(const BertInputs& inputs, std::size_t first)>& forward) {
  const ThreadCountScope threads(model.num_threads);
  const NoGradGuard no_grad;
  const ParameterCache weights(model.derived_weights);
  const std::int64_t pad = model.model->config().pad_token_id;
  for (std::size_t first = 0; first < encodings.size(); first += model.max_batch) {
    const std::size_t count = std::min(model.max_batch, encodings.size() - first);
    std::size_t longest = 0;
    for (std::size_t i = first; i < first + count; ++i) longest = std::max(longest, encodings[i].ids.size());
    const std::size_t cells = count * longest;
    std::vector<std::int64_t> ids(cells, pad), mask(cells, 0), types(cells, 0);
    for (std::size_t b = 0; b < count; ++b) {
      const Encoding& e = encodings[first + b];
      std::copy(e.ids.begin(), e.ids.end(), ids.begin() + static_cast<std::ptrdiff_t>(b * longest));
      std::copy(e.token_type_ids.begin(), e.token_type_ids.end(),
                types.begin() + static_cast<std::ptrdiff_t>(b * longest));
      std::fill_n(mask.begin() + static_cast<std::ptrdiff_t>(b * longest), e.ids.size(), 1);
    }
    const Shape shape{static_cast<std::int64_t>(count), static_cast<std::int64_t>(longest)};
    forward(BertInputs{Tensor::from_vector(ids, shape), Tensor::from_vector(mask, shape),
                       Tensor::from_vector(types, shape)},
            first);
  }
}

}  // namespace pare::capi
