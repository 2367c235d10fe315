// The C API (include/pare/pare.h) under AddressSanitizer and UBSan, on the classifier of
// tests/data/libpare. The first byte picks the call and its arguments (text pair or not, NULL
// pointers, buffer capacity); the rest, split at NUL bytes, gives the texts (any bytes, invalid UTF-8
// and empty texts included) or, for pare_classify_ids, the ids. Every call must return PARE_OK or a refusal with a
// message; PARE_ERROR_INTERNAL (a defect), a crash, a sanitizer report or output past its buffer is a finding.
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "pare/pare.h"

namespace {

pare_model* fixture_model() {
  static pare_model* model = [] {
    pare_model_options options = pare_model_default_options();
    options.max_batch = 2;  // several batches per call
    pare_model* m = nullptr;
    const std::string dir = std::string(PARE_TEST_DATA_DIR) + "/libpare/classifier";
    if (pare_model_load_with_options(dir.c_str(), &options, &m) != PARE_OK) std::abort();
    return m;
  }();
  return model;
}

void check(int status) {
  if (status == PARE_ERROR_INTERNAL) std::abort();
  if (status != PARE_OK && pare_last_error()[0] == '\0') std::abort();  // a refusal always says why
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  pare_model* model = fixture_model();
  const std::uint8_t choice = data[0];
  std::vector<std::string> texts;
  std::string current;
  for (std::size_t i = 1; i < size; ++i) {
    if (data[i] == 0) {
      texts.push_back(current);
      current.clear();
    } else {
      current.push_back(static_cast<char>(data[i]));
    }
  }
  texts.push_back(current);
  std::vector<const char*> pointers;
  for (const std::string& t : texts) pointers.push_back(t.c_str());
  const std::size_t n = pointers.size();
  const bool pairs = (choice & 0x10) != 0 && n >= 2;
  // Pairs: texts 0, 2, 4.. with 1, 3, 5.. (NULL past the end); a NULL entry now and then.
  std::vector<const char*> firsts, seconds;
  for (std::size_t i = 0; i < n; i += pairs ? 2 : 1) {
    firsts.push_back(pointers[i]);
    seconds.push_back(pairs && i + 1 < n ? pointers[i + 1] : nullptr);
  }
  if ((choice & 0x20) != 0) firsts[firsts.size() / 2] = nullptr;
  const std::size_t labels = pare_model_num_labels(model), width = pare_model_hidden_size(model);

  switch (choice % 5) {
    case 0: {  // encode with a capacity from 0 to 31; the canaries past it must stay
      const std::size_t capacity = (choice >> 2) % 32;
      std::vector<std::int32_t> ids(capacity + 1, -12345), types(capacity + 1, -12345);
      std::size_t count = 0;
      const int status = pare_encode(model, firsts[0], seconds[0], capacity > 0 ? ids.data() : nullptr,
                                     capacity > 0 ? types.data() : nullptr, capacity, &count);
      check(status);
      if (ids[capacity] != -12345 || types[capacity] != -12345) std::abort();
      if (status == PARE_OK && (count > capacity || count > pare_model_max_tokens(model) || count < 2)) std::abort();
      if (status == PARE_ERROR_BUFFER_TOO_SMALL && count <= capacity) std::abort();
      break;
    }
    case 1: {  // classify every text (or pair), logits sized exactly
      std::vector<float> logits(firsts.size() * labels + 1, 7.0f);
      const int status =
          pare_classify(model, firsts.data(), pairs ? seconds.data() : nullptr, firsts.size(), logits.data());
      check(status);
      if (logits.back() != 7.0f) std::abort();
      for (std::size_t i = 0; status == PARE_OK && i + 1 < logits.size(); ++i) {
        if (!std::isfinite(logits[i])) std::abort();
      }
      break;
    }
    case 2: {  // embed
      std::vector<float> out(firsts.size() * width + 1, 7.0f);
      const int status = pare_embed(model, firsts.data(), firsts.size(), out.data());
      check(status);
      if (out.back() != 7.0f) std::abort();
      break;
    }
    case 3: {  // classify_ids: each part's bytes as ids (byte - 40: negative and past the vocabulary too)
      std::vector<std::int32_t> ids, types;
      std::vector<std::size_t> lengths;
      for (const std::string& t : texts) {
        for (std::size_t i = 0; i < t.size(); ++i) {
          ids.push_back(static_cast<std::int32_t>(static_cast<unsigned char>(t[i])) - 40);
          types.push_back(static_cast<std::int32_t>(i % 3));
        }
        lengths.push_back(t.size());
      }
      std::vector<float> logits(lengths.size() * labels + 1, 7.0f);
      check(pare_classify_ids(model, ids.data(), (choice & 0x40) != 0 ? types.data() : nullptr, lengths.data(),
                              lengths.size(), logits.data()));
      if (logits.back() != 7.0f) std::abort();
      break;
    }
    default: {  // NULL arguments and n = 0: refused, never a crash
      float out[64];
      std::size_t count = 0;
      check(pare_classify(model, firsts.data(), nullptr, 0, out));
      check(pare_classify(nullptr, firsts.data(), nullptr, 1, out));
      check(pare_embed(model, nullptr, 1, out));
      check(pare_tokenize(model, nullptr, nullptr, nullptr, 0, &count));
      check(pare_tokenize(model, firsts[0], nullptr, nullptr, 4, &count));
      break;
    }
  }
  return 0;
}
