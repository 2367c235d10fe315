// C++ wrapper of pare.h, header only: libpare::Model owns a pare_model and frees it, and its methods
// throw libpare::Error (the status and pare_last_error()'s message) instead of returning a status.
// Texts are std::string; results come back as vectors sized for you. The C header's rules hold:
// UTF-8 text, truncation longest first, one Model usable from several threads at once.
#ifndef PARE_PARE_HPP
#define PARE_PARE_HPP

#include <cstddef>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "pare/pare.h"

namespace libpare {

class Error : public std::runtime_error {
 public:
  Error(int status, const std::string& message) : std::runtime_error(message), status_(status) {}
  // A pare_status value.
  int status() const noexcept { return status_; }

 private:
  int status_;
};

class Model {
 public:
  explicit Model(const std::string& dir, const pare_model_options& options = pare_model_default_options()) {
    pare_model* model = nullptr;
    check(pare_model_load_with_options(dir.c_str(), &options, &model));
    model_.reset(model);
  }

  pare_task task() const noexcept { return pare_model_task(model_.get()); }
  std::size_t num_labels() const noexcept { return pare_model_num_labels(model_.get()); }
  // id2label's name of class i; throws std::out_of_range past num_labels().
  std::string label(std::size_t i) const {
    const char* name = pare_model_label(model_.get(), i);
    if (name == nullptr) throw std::out_of_range("libpare::Model::label: no label " + std::to_string(i));
    return name;
  }
  std::size_t hidden_size() const noexcept { return pare_model_hidden_size(model_.get()); }
  std::size_t max_tokens() const noexcept { return pare_model_max_tokens(model_.get()); }

  // [CLS] text [SEP] [pair [SEP]]; `pair` empty means no pair.
  std::vector<std::int32_t> tokenize(const std::string& text, const std::string& pair = std::string()) const {
    std::vector<std::int32_t> ids(max_tokens());
    std::size_t count = 0;
    check(pare_tokenize(model_.get(), text.c_str(), pair.empty() ? nullptr : pair.c_str(), ids.data(), ids.size(),
                        &count));
    ids.resize(count);
    return ids;
  }

  // texts.size() x num_labels() logits, row by row; `pairs` empty, or one per text ("" for none).
  std::vector<float> classify(const std::vector<std::string>& texts,
                              const std::vector<std::string>& pairs = std::vector<std::string>()) {
    if (!pairs.empty() && pairs.size() != texts.size()) {
      throw Error(PARE_ERROR_ARGUMENT, "libpare::Model::classify: " + std::to_string(pairs.size()) + " pairs for " +
                                           std::to_string(texts.size()) + " texts");
    }
    std::vector<const char*> text_ptrs = pointers(texts, false), pair_ptrs = pointers(pairs, true);
    std::vector<float> logits(texts.size() * num_labels());
    check(pare_classify(model_.get(), text_ptrs.data(), pairs.empty() ? nullptr : pair_ptrs.data(), texts.size(),
                        logits.data()));
    return logits;
  }

  // tokens x num_labels() logits of a token-classification model, in tokenize()'s order.
  std::vector<float> classify_tokens(const std::string& text, const std::string& pair = std::string()) {
    std::vector<float> logits(max_tokens() * num_labels());
    std::size_t count = 0;
    check(pare_classify_tokens(model_.get(), text.c_str(), pair.empty() ? nullptr : pair.c_str(), logits.data(),
                               max_tokens(), &count));
    logits.resize(count * num_labels());
    return logits;
  }

  // texts.size() x hidden_size() floats, pooled as the options chose.
  std::vector<float> embed(const std::vector<std::string>& texts) {
    std::vector<const char*> text_ptrs = pointers(texts, false);
    std::vector<float> out(texts.size() * hidden_size());
    check(pare_embed(model_.get(), text_ptrs.data(), texts.size(), out.data()));
    return out;
  }

  pare_model* get() const noexcept { return model_.get(); }

 private:
  struct Free {
    void operator()(pare_model* model) const noexcept { pare_model_free(model); }
  };

  static void check(int status) {
    if (status != PARE_OK) throw Error(status, pare_last_error());
  }
  // C pointers into `strings`; with `empty_is_null`, "" becomes NULL (no pair).
  static std::vector<const char*> pointers(const std::vector<std::string>& strings, bool empty_is_null) {
    std::vector<const char*> out;
    out.reserve(strings.size());
    for (const std::string& s : strings) out.push_back(empty_is_null && s.empty() ? nullptr : s.c_str());
    return out;
  }

  std::unique_ptr<pare_model, Free> model_;
};

}  // namespace libpare

#endif  // PARE_PARE_HPP
