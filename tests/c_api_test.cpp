// libpare's C API (include/pare/pare.h) and its C++ wrapper (pare.hpp): logits and embeddings against PyTorch
// (tests/data/libpare, tests/reference/make_libpare_fixture.py) and bit for bit against `pare forward` on the same ids,
// for dense, pruned, hidden-pruned and int8 models; pare_tokenize against BERT's tokenizer and the CLI's; concurrent
// calls against serial ones; every bad input refused with a status and a message naming it.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "models/checkpoint.h"  // save_pretrained, load_pretrained
#include "models/tokenizers/sentencepiece_training.h"
#include "models/tokenizers/tokenizer.h"
#include "pare/pare.h"
#include "pare/pare.hpp"
#include "prune/quantize_directory.h"
#include "runtime/io/safetensors.h"
#include "runtime/version.h"
#include "tests/bert_test_util.h"
#include "tests/child_process.h"
#include "tests/random_bert.h"
#include "tests/test_support.h"

namespace pare {
namespace {

using testing::has;
using testing::ScratchDir;

namespace fs = std::filesystem;

fs::path libpare_data(const std::string& name) { return fs::path(PARE_TEST_DATA_DIR) / "libpare" / name; }
fs::path fixture_model() { return libpare_data("classifier"); }

struct ModelFree {
  void operator()(pare_model* model) const { pare_model_free(model); }
};
using Model = std::unique_ptr<pare_model, ModelFree>;

// The bert_tiny fixture `name` copied into `scratch` with the libpare fixture's vocab.txt beside it.
fs::path bert_fixture_with_vocab(const std::string& name, const fs::path& scratch) {
  const fs::path dir = scratch / name;
  fs::copy(testing::bert_fixture(name), dir);
  fs::copy_file(fixture_model() / "vocab.txt", dir / "vocab.txt");
  return dir;
}

Model load(const fs::path& dir, const pare_model_options* options = nullptr) {
  pare_model* model = nullptr;
  const int status = pare_model_load_with_options(dir.c_str(), options, &model);
  EXPECT_EQ(status, PARE_OK) << pare_last_error();
  return Model(model);
}

// Texts (and pairs, NULL where there is none) as C pointers into strings they own.
struct Texts {
  std::vector<std::string> texts;
  std::vector<std::optional<std::string>> pairs;
  std::vector<const char*> text_ptrs, pair_ptrs;

  void add(std::string text, std::optional<std::string> pair = std::nullopt) {
    texts.push_back(std::move(text));
    pairs.push_back(std::move(pair));
  }
  const char* const* text_array() {
    text_ptrs.clear();
    for (const std::string& t : texts) text_ptrs.push_back(t.c_str());
    return text_ptrs.data();
  }
  const char* const* pair_array() {
    pair_ptrs.clear();
    for (const auto& p : pairs) pair_ptrs.push_back(p ? p->c_str() : nullptr);
    return pair_ptrs.data();
  }
  std::size_t size() const { return texts.size(); }
};

Texts fixture_texts() {
  std::ifstream in(libpare_data("texts.json"));
  Texts out;
  for (const auto& item : nlohmann::json::parse(in)) {
    out.add(item.at("text").get<std::string>(),
            item.at("pair").is_null() ? std::nullopt : std::optional<std::string>(item.at("pair").get<std::string>()));
  }
  return out;
}

std::vector<float> classify(pare_model* model, Texts& texts) {
  std::vector<float> logits(texts.size() * pare_model_num_labels(model), std::nanf(""));
  EXPECT_EQ(pare_classify(model, texts.text_array(), texts.pair_array(), texts.size(), logits.data()), PARE_OK)
      << pare_last_error();
  return logits;
}

std::vector<float> embed(pare_model* model, Texts& texts) {
  std::vector<float> out(texts.size() * pare_model_hidden_size(model), std::nanf(""));
  EXPECT_EQ(pare_embed(model, texts.text_array(), texts.size(), out.data()), PARE_OK) << pare_last_error();
  return out;
}

std::vector<std::int32_t> tokenize(const pare_model* model, const char* text, const char* pair) {
  std::vector<std::int32_t> ids(64, -1);
  std::size_t count = 0;
  EXPECT_EQ(pare_tokenize(model, text, pair, ids.data(), ids.size(), &count), PARE_OK) << pare_last_error();
  ids.resize(count);
  return ids;
}

Tensor as_tensor(const std::vector<float>& values, std::int64_t rows) {
  return Tensor::from_vector(values, {rows, static_cast<std::int64_t>(values.size()) / rows});
}

TEST(CApi, VersionAndDefaultOptions) {
  EXPECT_STREQ(pare_version(), kPareVersion);
  const pare_model_options options = pare_model_default_options();
  EXPECT_EQ(options.num_threads, 0);
  EXPECT_EQ(options.max_tokens, 0u);
  EXPECT_EQ(options.max_batch, 0u);
  EXPECT_EQ(options.pooling, PARE_POOLING_MEAN);
}

TEST(CApi, ModelDescribesItself) {
  const Model model = load(fixture_model());
  ASSERT_TRUE(model);
  ASSERT_EQ(pare_model_num_labels(model.get()), 3u);
  EXPECT_STREQ(pare_model_label(model.get(), 0), "negative");
  EXPECT_STREQ(pare_model_label(model.get(), 2), "positive");
  EXPECT_EQ(pare_model_label(model.get(), 3), nullptr);
  EXPECT_EQ(pare_model_hidden_size(model.get()), 36u);
  EXPECT_EQ(pare_model_max_tokens(model.get()), 16u);
}

TEST(CApi, TokenizeGivesTheIdsOfBertsTokenizerTruncatedLongestFirst) {
  const Model model = load(fixture_model());
  const StateDict expected = testing::read_all(libpare_data("expected.safetensors"));
  Texts texts = fixture_texts();
  for (std::size_t i = 0; i < texts.size(); ++i) {
    SCOPED_TRACE(texts.texts[i]);
    const Tensor want = expected.at("ids." + std::to_string(i));
    const std::vector<std::int32_t> ids = tokenize(model.get(), texts.text_array()[i], texts.pair_array()[i]);
    ASSERT_EQ(static_cast<std::int64_t>(ids.size()), want.numel());
    for (std::size_t t = 0; t < ids.size(); ++t) EXPECT_EQ(ids[t], want.data<std::int64_t>()[t]) << t;
  }
}

TEST(CApi, TokenizeEqualsTheCliTokenizer) {
  const Model model = load(fixture_model());
  Texts texts = fixture_texts();
  texts.add("Héllo, 中文 unaffable [MASK] cat$");
  for (std::size_t i = 0; i < texts.size(); ++i) {
    SCOPED_TRACE(texts.texts[i]);
    std::string arguments =
        "tokenizer encode --model '" + fixture_model().string() + "' --max-length 16 --text '" + texts.texts[i] + "'";
    if (texts.pairs[i]) arguments += " --pair '" + *texts.pairs[i] + "'";
    const testing::CommandOutcome cli = testing::run_pare_capturing(arguments);
    ASSERT_EQ(cli.status, 0) << cli.output;
    const std::vector<std::int64_t> want = nlohmann::json::parse(cli.output).at("input_ids");
    const std::vector<std::int32_t> ids = tokenize(model.get(), texts.text_array()[i], texts.pair_array()[i]);
    EXPECT_EQ(std::vector<std::int64_t>(ids.begin(), ids.end()), want);
  }
}

TEST(CApi, TokenizeWithTooSmallABufferSaysTheSizeNeededAndWritesNothing) {
  const Model model = load(fixture_model());
  std::vector<std::int32_t> ids(4, -7);
  std::size_t count = 0;
  EXPECT_EQ(pare_tokenize(model.get(), "hello world the cat", nullptr, ids.data(), ids.size(), &count),
            PARE_ERROR_BUFFER_TOO_SMALL);
  EXPECT_EQ(count, 6u);
  EXPECT_TRUE(has(pare_last_error(), "needs 6 ids but capacity is 4"));
  EXPECT_EQ(ids, std::vector<std::int32_t>(4, -7));
  count = 0;
  EXPECT_EQ(pare_tokenize(model.get(), "hello world the cat", nullptr, nullptr, 0, &count),
            PARE_ERROR_BUFFER_TOO_SMALL);
  EXPECT_EQ(count, 6u);
}

TEST(CApi, ClassifyIdsOfEncodedTextsEqualsClassify) {
  const Model model = load(fixture_model());
  Texts texts = fixture_texts();
  std::vector<std::int32_t> ids, types;
  std::vector<std::size_t> lengths;
  for (std::size_t i = 0; i < texts.size(); ++i) {
    std::vector<std::int32_t> one(16), one_types(16);
    std::size_t count = 0;
    ASSERT_EQ(pare_encode(model.get(), texts.text_array()[i], texts.pair_array()[i], one.data(), one_types.data(),
                          one.size(), &count),
              PARE_OK)
        << pare_last_error();
    ids.insert(ids.end(), one.begin(), one.begin() + static_cast<std::ptrdiff_t>(count));
    types.insert(types.end(), one_types.begin(), one_types.begin() + static_cast<std::ptrdiff_t>(count));
    lengths.push_back(count);
  }
  // Text 4, "hello world" / "the cat ?": [CLS] hello world [SEP] the cat ? [SEP]
  const auto pair_start = static_cast<std::ptrdiff_t>(lengths[0] + lengths[1] + lengths[2] + lengths[3]);
  EXPECT_EQ(std::vector<std::int32_t>(types.begin() + pair_start, types.begin() + pair_start + 8),
            (std::vector<std::int32_t>{0, 0, 0, 0, 1, 1, 1, 1}));
  std::vector<float> logits(texts.size() * 3);
  ASSERT_EQ(pare_classify_ids(model.get(), ids.data(), types.data(), lengths.data(), lengths.size(), logits.data()),
            PARE_OK)
      << pare_last_error();
  EXPECT_EQ(logits, classify(model.get(), texts));
}

TEST(CApi, ClassifyAndEmbedAgreeWithPytorch) {
  const StateDict expected = testing::read_all(libpare_data("expected.safetensors"));
  Texts texts = fixture_texts();
  const auto n = static_cast<std::int64_t>(texts.size());
  for (std::size_t max_batch : {0, 3}) {
    SCOPED_TRACE("max_batch " + std::to_string(max_batch));
    pare_model_options options = pare_model_default_options();
    options.max_batch = max_batch;
    const Model model = load(fixture_model(), &options);
    EXPECT_TRUE(testing::close_relative(as_tensor(classify(model.get(), texts), n), expected.at("logits"), 1e-5));
    EXPECT_TRUE(testing::close_relative(as_tensor(embed(model.get(), texts), n), expected.at("embedding_mean"), 1e-5));
    options.pooling = PARE_POOLING_CLS;
    const Model cls = load(fixture_model(), &options);
    EXPECT_TRUE(testing::close_relative(as_tensor(embed(cls.get(), texts), n), expected.at("embedding_cls"), 1e-5));
  }
}

// The model directories pare writes: the fixture as it is, pruned per layer, hidden-pruned, int8.
enum class Kind { dense, pruned, hidden_pruned, int8 };

std::string kind_name(Kind kind) {
  switch (kind) {
    case Kind::dense:
      return "dense";
    case Kind::pruned:
      return "pruned";
    case Kind::hidden_pruned:
      return "hidden_pruned";
    case Kind::int8:
      return "int8";
  }
  return "?";
}

fs::path make_model(Kind kind, const fs::path& root) {
  if (kind == Kind::dense) return fixture_model();
  const fs::path dir = root / kind_name(kind);
  if (kind == Kind::int8) {
    (void)quantize_directory(fixture_model(), dir);
    return dir;
  }
  BertConfig config = testing::small_random_config(3);
  config.vocab_size = 28;  // the fixture's vocab.txt
  config.layer_shapes = {{1, 4, 5}, {0, 4, 0}, {3, 4, 12}};
  if (kind == Kind::hidden_pruned) {
    config.hidden_size = 11;
    config.pare_layer_norm_size = 16;
  }
  save_pretrained(*testing::random_bert_model(config, BertTask::sequence_classification, 1, 2), dir);
  fs::copy_file(fixture_model() / "vocab.txt", dir / "vocab.txt");
  return dir;
}

class CApiModels : public ::testing::TestWithParam<Kind> {};

// `pare forward` on `encodings` padded to the longest, as the C API pads the texts of a call.
StateDict pare_forward(const fs::path& dir, const std::vector<Encoding>& encodings, const fs::path& scratch) {
  std::size_t longest = 0;
  for (const Encoding& e : encodings) longest = std::max(longest, e.ids.size());
  std::vector<std::int64_t> ids, mask, types;
  for (const Encoding& e : encodings) {
    for (std::size_t t = 0; t < longest; ++t) {
      const bool real = t < e.ids.size();
      ids.push_back(real ? e.ids[t] : 0);
      mask.push_back(real ? 1 : 0);
      types.push_back(real ? e.token_type_ids[t] : 0);
    }
  }
  const Shape shape{static_cast<std::int64_t>(encodings.size()), static_cast<std::int64_t>(longest)};
  save_safetensors(scratch / "in.safetensors", {{"input_ids", Tensor::from_vector(ids, shape)},
                                                {"attention_mask", Tensor::from_vector(mask, shape)},
                                                {"token_type_ids", Tensor::from_vector(types, shape)}});
  const testing::CommandOutcome cli = testing::run_pare_capturing(
      "forward --model '" + dir.string() + "' --input '" + (scratch / "in.safetensors").string() + "' --output '" +
      (scratch / "out.safetensors").string() + "'");
  EXPECT_EQ(cli.status, 0) << cli.output;
  return testing::read_all(scratch / "out.safetensors");
}

TEST_P(CApiModels, LogitsAndEmbeddingsEqualPareForwardOnTheSameIds) {
  ScratchDir scratch;
  const fs::path dir = make_model(GetParam(), scratch.path());
  const Model model = load(dir);
  ASSERT_TRUE(model);
  Texts texts = fixture_texts();
  const std::vector<float> logits = classify(model.get(), texts);
  const std::vector<float> embeddings = embed(model.get(), texts);

  const std::unique_ptr<Tokenizer> tokenizer = load_tokenizer(dir);
  std::vector<Encoding> with_pairs, singles;
  for (std::size_t i = 0; i < texts.size(); ++i) {
    singles.push_back(tokenizer->encode_single(texts.texts[i], 16));
    with_pairs.push_back(texts.pairs[i] ? tokenizer->encode_pair(texts.texts[i], *texts.pairs[i], 16) : singles.back());
  }
  const auto n = static_cast<std::int64_t>(texts.size());
  EXPECT_TRUE(testing::bitwise_equal(as_tensor(logits, n), pare_forward(dir, with_pairs, scratch.path()).at("logits")));

  // pare_embed takes the texts alone; mean pooling over each one's tokens, in double as the C API sums.
  const Tensor hidden = pare_forward(dir, singles, scratch.path()).at("last_hidden_state");
  const std::int64_t seq = hidden.size(1), width = hidden.size(2);
  ASSERT_EQ(static_cast<std::size_t>(width), pare_model_hidden_size(model.get()));
  std::vector<float> means;
  for (std::int64_t b = 0; b < n; ++b) {
    const auto tokens = static_cast<std::int64_t>(singles[static_cast<std::size_t>(b)].ids.size());
    for (std::int64_t d = 0; d < width; ++d) {
      double sum = 0.0;
      for (std::int64_t t = 0; t < tokens; ++t) sum += hidden.data<float>()[(b * seq + t) * width + d];
      means.push_back(static_cast<float>(sum / static_cast<double>(tokens)));
    }
  }
  EXPECT_EQ(embeddings, means);
}

INSTANTIATE_TEST_SUITE_P(Kinds, CApiModels,
                         ::testing::Values(Kind::dense, Kind::pruned, Kind::hidden_pruned, Kind::int8),
                         [](const ::testing::TestParamInfo<Kind>& info) { return kind_name(info.param); });

TEST(CApi, TokenizerJsonAndSentencepieceDirectoriesLoad) {
  ScratchDir scratch;
  Texts texts = fixture_texts();
  const Model with_vocab = load(fixture_model());
  const std::vector<float> want = classify(with_vocab.get(), texts);

  // The same WordPiece vocabulary as tokenizer.json: the same ids, so the same logits.
  const fs::path json_dir = scratch.path() / "tokenizer_json";
  fs::create_directories(json_dir);
  for (const char* file : {"config.json", "model.safetensors"}) fs::copy_file(fixture_model() / file, json_dir / file);
  fs::copy_file(fs::path(PARE_TEST_DATA_DIR) / "tokenizers" / "wordpiece" / "tokenizer.json",
                json_dir / "tokenizer.json");
  const Model with_json = load(json_dir);
  ASSERT_TRUE(with_json);
  EXPECT_EQ(classify(with_json.get(), texts), want);

  // A sentencepiece vocabulary trained here, under a model of its size.
  std::string corpus;
  const char* words[] = {"the", "cat", "sat", "on", "a", "warm", "mat", "while", "dogs", "ran", "past", "quickly"};
  for (int line = 0; line < 300; ++line) {
    for (int w = 0; w < 7; ++w) corpus += std::string(words[(line * 5 + w * 3) % 12]) + (w == 6 ? ".\n" : " ");
  }
  testing::write_bytes(scratch.path() / "corpus.txt", corpus);
  const fs::path sp_dir = scratch.path() / "sentencepiece";
  fs::create_directories(sp_dir);
  SentencePieceTrainingOptions options;
  options.corpus_files = {scratch.path() / "corpus.txt"};
  options.vocab_size = 36;
  options.output_prefix = sp_dir / "spiece";
  options.character_coverage = 1.0;
  options.num_threads = 1;
  (void)train_sentencepiece(options);
  BertConfig config = testing::small_random_config(2);
  config.vocab_size = 36;
  save_pretrained(*testing::random_bert_model(config, BertTask::sequence_classification, 3, 4), sp_dir);
  const Model with_sp = load(sp_dir);
  ASSERT_TRUE(with_sp);
  const std::unique_ptr<Tokenizer> tokenizer = load_tokenizer(sp_dir);
  const char* text = "the warm cat ran past the dogs quickly while a mat sat";
  const std::vector<std::int32_t> ids = tokenize(with_sp.get(), text, nullptr);
  const std::vector<std::int64_t> expected = tokenizer->encode_single(text, 16).ids;
  EXPECT_EQ(std::vector<std::int64_t>(ids.begin(), ids.end()), expected);
  float logits[3];
  EXPECT_EQ(pare_classify(with_sp.get(), &text, nullptr, 1, logits), PARE_OK) << pare_last_error();
}

TEST(CApi, TokenClassificationGivesPareForwardsLogitsForEveryToken) {
  ScratchDir scratch;
  const fs::path dir = bert_fixture_with_vocab("token", scratch.path());
  const Model model = load(dir);
  ASSERT_TRUE(model);
  EXPECT_EQ(pare_model_task(model.get()), PARE_TASK_TOKEN_CLASSIFICATION);
  const std::size_t labels = pare_model_num_labels(model.get());
  ASSERT_GT(labels, 0u);

  std::vector<std::int32_t> ids(16), types(16);
  std::size_t tokens = 0;
  ASSERT_EQ(pare_encode(model.get(), "hello world the cat", "a cat !", ids.data(), types.data(), 16, &tokens), PARE_OK);
  std::vector<float> logits(tokens * labels, std::nanf(""));
  std::size_t count = 0;
  ASSERT_EQ(pare_classify_tokens(model.get(), "hello world the cat", "a cat !", logits.data(), tokens, &count), PARE_OK)
      << pare_last_error();
  EXPECT_EQ(count, tokens);
  Encoding encoding;
  encoding.ids.assign(ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(tokens));
  encoding.token_type_ids.assign(types.begin(), types.begin() + static_cast<std::ptrdiff_t>(tokens));
  const Tensor want = pare_forward(dir, {encoding}, scratch.path()).at("logits");
  EXPECT_TRUE(testing::bitwise_equal(
      Tensor::from_vector(logits, {1, static_cast<std::int64_t>(tokens), static_cast<std::int64_t>(labels)}), want));

  // Too few rows: nothing written, the rows needed said.
  std::vector<float> small(2 * labels, 42.0f);
  EXPECT_EQ(pare_classify_tokens(model.get(), "hello world the cat", nullptr, small.data(), 2, &count),
            PARE_ERROR_BUFFER_TOO_SMALL);
  EXPECT_EQ(count, 6u);
  EXPECT_TRUE(has(pare_last_error(), "the text has 6 tokens but capacity is 2"));
  EXPECT_EQ(small, std::vector<float>(2 * labels, 42.0f));
  EXPECT_EQ(pare_classify_tokens(model.get(), "hello", nullptr, nullptr, 4, &count), PARE_ERROR_ARGUMENT);
  EXPECT_EQ(pare_classify_tokens(model.get(), "hello", nullptr, small.data(), 2, nullptr), PARE_ERROR_ARGUMENT);
  EXPECT_EQ(pare_classify_tokens(model.get(), "", nullptr, small.data(), 2, &count), PARE_ERROR_TEXT);

  // Each head's call refuses the other's model.
  const char* text = "hello";
  EXPECT_EQ(pare_classify(model.get(), &text, nullptr, 1, small.data()), PARE_ERROR_UNSUPPORTED);
  EXPECT_TRUE(has(pare_last_error(), "holds a BertForTokenClassification, which has no sequence-classification head"));
  const Model classifier = load(fixture_model());
  EXPECT_EQ(pare_model_task(classifier.get()), PARE_TASK_SEQUENCE_CLASSIFICATION);
  EXPECT_EQ(pare_classify_tokens(classifier.get(), "hello", nullptr, small.data(), 2, &count), PARE_ERROR_UNSUPPORTED);
  EXPECT_TRUE(has(pare_last_error(), "holds a BertForSequenceClassification, which has no token-classification head"));
  EXPECT_EQ(pare_model_task(nullptr), PARE_TASK_ENCODER);
}

TEST(CApi, ConcurrentCallsOnOneModelEqualSerialOnes) {
  ScratchDir scratch;
  for (Kind kind : {Kind::pruned, Kind::int8}) {
    SCOPED_TRACE(kind_name(kind));
    const Model model = load(make_model(kind, scratch.path()));
    ASSERT_TRUE(model);
    // Each thread its own texts, so that shapes differ between the threads' products.
    std::vector<Texts> batches(4);
    const char* words[] = {"hello", "world", "the", "cat", "!", "unaffable", "a", ","};
    for (std::size_t t = 0; t < batches.size(); ++t) {
      for (std::size_t i = 0; i < 3 + t; ++i) {
        std::string text;
        for (std::size_t w = 0; w < 2 + (i * 3 + t) % 9; ++w) text += std::string(words[(w + i + t) % 8]) + " ";
        batches[t].add(text, i % 2 == 1 ? std::optional<std::string>("the cat") : std::nullopt);
      }
    }
    std::vector<std::vector<float>> serial_logits, serial_embeddings;
    for (Texts& texts : batches) {
      serial_logits.push_back(classify(model.get(), texts));
      serial_embeddings.push_back(embed(model.get(), texts));
    }
    std::atomic<int> mismatches{0};
    std::vector<std::thread> threads;
    for (std::size_t t = 0; t < batches.size(); ++t) {
      threads.emplace_back([&, t] {
        Texts texts = batches[t];
        for (int round = 0; round < 10; ++round) {
          std::vector<float> logits(serial_logits[t].size()), embeddings(serial_embeddings[t].size());
          if (pare_classify(model.get(), texts.text_array(), texts.pair_array(), texts.size(), logits.data()) != 0 ||
              pare_embed(model.get(), texts.text_array(), texts.size(), embeddings.data()) != 0 ||
              logits != serial_logits[t] || embeddings != serial_embeddings[t]) {
            ++mismatches;
          }
        }
      });
    }
    for (std::thread& t : threads) t.join();
    EXPECT_EQ(mismatches.load(), 0);
  }
}

TEST(CApi, ThreadCountIsAnOptionAndEveryCountGivesTheModelsAnswer) {
  const StateDict expected = testing::read_all(libpare_data("expected.safetensors"));
  Texts texts = fixture_texts();
  for (int threads : {1, 3}) {
    pare_model_options options = pare_model_default_options();
    options.num_threads = threads;
    const Model model = load(fixture_model(), &options);
    EXPECT_TRUE(testing::close_relative(as_tensor(classify(model.get(), texts), 8), expected.at("logits"), 1e-5));
  }
}

TEST(CApi, ErrorsArePerThread) {
  const Model model = load(fixture_model());
  float logits[3];
  const char* text = "hello";
  ASSERT_EQ(pare_classify(model.get(), &text, nullptr, 0, logits), PARE_ERROR_ARGUMENT);
  std::string other;
  std::thread([&] {
    pare_model* missing = nullptr;
    EXPECT_EQ(pare_model_load("/nonexistent/pare-model", &missing), PARE_ERROR_MODEL);
    other = pare_last_error();
  }).join();
  EXPECT_TRUE(has(other, "/nonexistent/pare-model: no such directory"));
  EXPECT_TRUE(has(pare_last_error(), "pare_classify: n is 0"));
  // A success leaves the last error as it was.
  EXPECT_EQ(pare_classify(model.get(), &text, nullptr, 1, logits), PARE_OK);
  EXPECT_TRUE(has(pare_last_error(), "pare_classify: n is 0"));
}

TEST(CApiCpp, TheWrapperGivesTheCResultsAndThrowsTheStatus) {
  libpare::Model model(fixture_model().string());
  Texts texts = fixture_texts();
  const Model c_model = load(fixture_model());
  std::vector<std::string> pairs;
  for (const auto& pair : texts.pairs) pairs.push_back(pair.value_or(""));
  EXPECT_EQ(model.classify(texts.texts, pairs), classify(c_model.get(), texts));
  EXPECT_EQ(model.embed(texts.texts), embed(c_model.get(), texts));
  EXPECT_EQ(model.tokenize("hello world", "the cat"), tokenize(c_model.get(), "hello world", "the cat"));
  EXPECT_EQ(model.label(1), "neutral");
  EXPECT_EQ(model.task(), PARE_TASK_SEQUENCE_CLASSIFICATION);
  EXPECT_THROW((void)model.label(3), std::out_of_range);
  auto status_of = [](const std::function<void()>& call) {
    try {
      call();
    } catch (const libpare::Error& e) {
      EXPECT_STRNE(e.what(), "");
      return e.status();
    }
    return static_cast<int>(PARE_OK);
  };
  EXPECT_EQ(status_of([&] { (void)model.classify({"hello", ""}); }), PARE_ERROR_TEXT);
  EXPECT_EQ(status_of([&] { (void)model.classify({"hello"}, {"a", "b"}); }), PARE_ERROR_ARGUMENT);
  EXPECT_EQ(status_of([&] { (void)model.embed({}); }), PARE_ERROR_ARGUMENT);
  EXPECT_EQ(status_of([] { libpare::Model missing("/nonexistent/pare-model"); }), PARE_ERROR_MODEL);
  EXPECT_EQ(status_of([&] { (void)model.classify_tokens("hello"); }), PARE_ERROR_UNSUPPORTED);
}

// Each a status and a message naming the argument at fault.
TEST(CApiBadInput, NullPointersAndZeroCounts) {
  const Model model = load(fixture_model());
  pare_model* m = model.get();
  const char* texts[] = {"hello"};
  float out[64];
  std::int32_t ids[8];
  std::size_t count = 0;
  pare_model* loaded = reinterpret_cast<pare_model*>(&count);
  EXPECT_EQ(pare_model_load(nullptr, &loaded), PARE_ERROR_ARGUMENT);
  EXPECT_EQ(loaded, nullptr);
  EXPECT_TRUE(has(pare_last_error(), "pare_model_load: model_dir is NULL"));
  EXPECT_EQ(pare_model_load(fixture_model().c_str(), nullptr), PARE_ERROR_ARGUMENT);
  EXPECT_TRUE(has(pare_last_error(), "model is NULL"));
  EXPECT_EQ(pare_model_load("", &loaded), PARE_ERROR_ARGUMENT);
  EXPECT_TRUE(has(pare_last_error(), "model_dir is empty"));

  EXPECT_EQ(pare_classify(nullptr, texts, nullptr, 1, out), PARE_ERROR_ARGUMENT);
  EXPECT_TRUE(has(pare_last_error(), "pare_classify: model is NULL"));
  EXPECT_EQ(pare_classify(m, nullptr, nullptr, 1, out), PARE_ERROR_ARGUMENT);
  EXPECT_TRUE(has(pare_last_error(), "pare_classify: texts is NULL"));
  EXPECT_EQ(pare_classify(m, texts, nullptr, 1, nullptr), PARE_ERROR_ARGUMENT);
  EXPECT_TRUE(has(pare_last_error(), "pare_classify: logits is NULL"));
  EXPECT_EQ(pare_classify(m, texts, nullptr, 0, out), PARE_ERROR_ARGUMENT);
  EXPECT_TRUE(has(pare_last_error(), "pare_classify: n is 0"));
  const char* with_null[] = {"hello", nullptr};
  EXPECT_EQ(pare_classify(m, with_null, nullptr, 2, out), PARE_ERROR_ARGUMENT);
  EXPECT_TRUE(has(pare_last_error(), "pare_classify: texts[1] is NULL"));

  EXPECT_EQ(pare_embed(nullptr, texts, 1, out), PARE_ERROR_ARGUMENT);
  EXPECT_EQ(pare_embed(m, nullptr, 1, out), PARE_ERROR_ARGUMENT);
  EXPECT_EQ(pare_embed(m, texts, 1, nullptr), PARE_ERROR_ARGUMENT);
  EXPECT_TRUE(has(pare_last_error(), "pare_embed: embeddings is NULL"));
  EXPECT_EQ(pare_embed(m, texts, 0, out), PARE_ERROR_ARGUMENT);
  EXPECT_TRUE(has(pare_last_error(), "pare_embed: n is 0"));

  EXPECT_EQ(pare_tokenize(nullptr, "hello", nullptr, ids, 8, &count), PARE_ERROR_ARGUMENT);
  EXPECT_EQ(pare_tokenize(m, nullptr, nullptr, ids, 8, &count), PARE_ERROR_ARGUMENT);
  EXPECT_TRUE(has(pare_last_error(), "pare_tokenize: text is NULL"));
  EXPECT_EQ(pare_tokenize(m, "hello", nullptr, ids, 8, nullptr), PARE_ERROR_ARGUMENT);
  EXPECT_TRUE(has(pare_last_error(), "pare_tokenize: count is NULL"));
  EXPECT_EQ(pare_tokenize(m, "hello", nullptr, nullptr, 8, &count), PARE_ERROR_ARGUMENT);
  EXPECT_TRUE(has(pare_last_error(), "ids is NULL but capacity is 8"));

  EXPECT_EQ(pare_model_num_labels(nullptr), 0u);
  EXPECT_EQ(pare_model_label(nullptr, 0), nullptr);
  EXPECT_EQ(pare_model_hidden_size(nullptr), 0u);
  EXPECT_EQ(pare_model_max_tokens(nullptr), 0u);
  pare_model_free(nullptr);
}

TEST(CApiBadInput, EmptyTextAndInvalidUtf8AreRefusedByIndexBeforeAnyWork) {
  const Model model = load(fixture_model());
  float logits[9];
  std::fill(std::begin(logits), std::end(logits), 42.0f);
  const char* empty[] = {"hello", "the cat", ""};
  EXPECT_EQ(pare_classify(model.get(), empty, nullptr, 3, logits), PARE_ERROR_TEXT);
  EXPECT_TRUE(has(pare_last_error(), "pare_classify: texts[2] is empty"));
  const char* bad[] = {"hello", "the \xC3\x28 cat", "cat"};
  EXPECT_EQ(pare_classify(model.get(), bad, nullptr, 3, logits), PARE_ERROR_TEXT);
  EXPECT_TRUE(has(pare_last_error(), "pare_classify: texts[1] is not valid UTF-8 (byte 4 of 10)"));
  for (float v : logits) EXPECT_EQ(v, 42.0f);  // nothing written
  const char* pairs[] = {nullptr, "\xFF", nullptr};
  const char* good[] = {"hello", "world", "cat"};
  EXPECT_EQ(pare_classify(model.get(), good, pairs, 3, logits), PARE_ERROR_TEXT);
  EXPECT_TRUE(has(pare_last_error(), "text_pairs[1] is not valid UTF-8 (byte 0 of 1)"));
  const char* overlong[] = {"\xC0\xAF"};
  float embedding[36];
  EXPECT_EQ(pare_embed(model.get(), overlong, 1, embedding), PARE_ERROR_TEXT);
  EXPECT_TRUE(has(pare_last_error(), "pare_embed: texts[0] is not valid UTF-8"));
  std::size_t count = 0;
  std::int32_t ids[8];
  EXPECT_EQ(pare_tokenize(model.get(), "hello", "", ids, 8, &count), PARE_ERROR_TEXT);
  EXPECT_TRUE(has(pare_last_error(), "pare_tokenize: text_pair is empty"));
  const std::string surrogate = "\xED\xA0\x80";
  EXPECT_EQ(pare_tokenize(model.get(), surrogate.c_str(), nullptr, ids, 8, &count), PARE_ERROR_TEXT);
}

TEST(CApiBadInput, ClassifyIdsRefusesSequencesTheModelCannotRead) {
  const Model model = load(fixture_model());
  float logits[6] = {42.0f};
  auto error = [&](std::vector<std::int32_t> ids, std::vector<std::int32_t> types, std::vector<std::size_t> lengths) {
    EXPECT_EQ(pare_classify_ids(model.get(), ids.data(), types.empty() ? nullptr : types.data(), lengths.data(),
                                lengths.size(), logits),
              PARE_ERROR_ARGUMENT);
    return std::string(pare_last_error());
  };
  EXPECT_TRUE(has(error({2, 5, 3}, {}, {3, 0}), "sequence 1 has 0 ids; give 1 to 16 (max_tokens)"));
  EXPECT_TRUE(has(error(std::vector<std::int32_t>(17, 5), {}, {17}), "sequence 0 has 17 ids"));
  EXPECT_TRUE(
      has(error({2, 5, 3, 2, 28, 3}, {}, {3, 3}), "sequence 1: id 28 at ids[4] is outside the vocabulary [0, 28)"));
  EXPECT_TRUE(has(error({2, -1, 3}, {}, {3}), "id -1 at ids[1]"));
  EXPECT_TRUE(has(error({2, 5, 3}, {0, 0, 2}, {3}), "sequence 0: token type 2 at type_ids[2] is outside [0, 2)"));
  EXPECT_EQ(logits[0], 42.0f);
  const std::int32_t ids[] = {2, 5, 3};
  const std::size_t lengths[] = {3};
  EXPECT_EQ(pare_classify_ids(model.get(), nullptr, nullptr, lengths, 1, logits), PARE_ERROR_ARGUMENT);
  EXPECT_TRUE(has(pare_last_error(), "pare_classify_ids: ids is NULL"));
  EXPECT_EQ(pare_classify_ids(model.get(), ids, nullptr, nullptr, 1, logits), PARE_ERROR_ARGUMENT);
  EXPECT_EQ(pare_classify_ids(model.get(), ids, nullptr, lengths, 0, logits), PARE_ERROR_ARGUMENT);
  EXPECT_TRUE(has(pare_last_error(), "pare_classify_ids: n is 0"));
  EXPECT_EQ(pare_classify_ids(model.get(), ids, nullptr, lengths, 1, nullptr), PARE_ERROR_ARGUMENT);
  EXPECT_EQ(pare_classify_ids(nullptr, ids, nullptr, lengths, 1, logits), PARE_ERROR_ARGUMENT);
  EXPECT_EQ(pare_classify_ids(model.get(), ids, nullptr, lengths, 1, logits), PARE_OK) << pare_last_error();
}

TEST(CApiBadInput, MissingOrCorruptModelDirectoriesAreRefusedNamingTheFile) {
  ScratchDir scratch;
  auto load_error = [](const fs::path& dir) {
    pare_model* model = reinterpret_cast<pare_model*>(0x1);
    const int status = pare_model_load(dir.c_str(), &model);
    EXPECT_EQ(model, nullptr);
    EXPECT_EQ(status, PARE_ERROR_MODEL) << dir;
    return std::string(pare_last_error());
  };
  EXPECT_TRUE(has(load_error(scratch.path() / "absent"), "absent: no such directory"));
  testing::write_bytes(scratch.path() / "file", "x");
  EXPECT_TRUE(has(load_error(scratch.path() / "file"), "file: not a directory"));
  EXPECT_TRUE(has(load_error(scratch.path()), "config.json"));

  const fs::path copy = scratch.path() / "copy";
  fs::copy(fixture_model(), copy);
  const std::string weights = testing::read_bytes(copy / "model.safetensors");
  testing::write_bytes(copy / "model.safetensors", weights.substr(0, weights.size() / 2));
  EXPECT_TRUE(has(load_error(copy), "model.safetensors"));
  testing::write_bytes(copy / "model.safetensors", weights);
  testing::write_bytes(copy / "config.json", "{\"hidden_size\": ");
  EXPECT_TRUE(has(load_error(copy), "config.json"));
  fs::copy_file(fixture_model() / "config.json", copy / "config.json", fs::copy_options::overwrite_existing);
  fs::remove(copy / "vocab.txt");
  EXPECT_TRUE(has(load_error(copy), "vocab.txt"));

  // A classifier whose weights lack the head would answer from random weights.
  const fs::path headless = scratch.path() / "headless";
  fs::create_directories(headless);
  StateDict tensors = testing::read_all(fixture_model() / "model.safetensors");
  tensors.erase("classifier.weight");
  tensors.erase("classifier.bias");
  NamedTensors kept(tensors.begin(), tensors.end());
  save_safetensors(headless / "model.safetensors", kept);
  fs::copy_file(fixture_model() / "config.json", headless / "config.json");
  fs::copy_file(fixture_model() / "vocab.txt", headless / "vocab.txt");
  EXPECT_TRUE(has(load_error(headless), "model.safetensors lacks the classifier's weights (classifier."));
}

TEST(CApiBadInput, AModelWithoutAClassifierRefusesClassifyButEmbeds) {
  ScratchDir scratch;
  const fs::path dir = bert_fixture_with_vocab("mlm", scratch.path());
  const Model model = load(dir);
  ASSERT_TRUE(model);
  EXPECT_EQ(pare_model_num_labels(model.get()), 0u);
  EXPECT_EQ(pare_model_task(model.get()), PARE_TASK_MASKED_LM);
  const char* texts[] = {"hello world"};
  float logits[4] = {42.0f};
  EXPECT_EQ(pare_classify(model.get(), texts, nullptr, 1, logits), PARE_ERROR_UNSUPPORTED);
  EXPECT_TRUE(has(pare_last_error(), "holds a BertForMaskedLM, which has no sequence-classification head"));
  const std::int32_t ids[] = {2, 5, 3};
  const std::size_t lengths[] = {3};
  EXPECT_EQ(pare_classify_ids(model.get(), ids, nullptr, lengths, 1, logits), PARE_ERROR_UNSUPPORTED);
  std::vector<float> embedding(pare_model_hidden_size(model.get()), std::nanf(""));
  EXPECT_EQ(pare_embed(model.get(), texts, 1, embedding.data()), PARE_OK) << pare_last_error();
  for (float v : embedding) EXPECT_TRUE(std::isfinite(v));
}

TEST(CApiBadInput, OptionsOutOfRangeAreRefusedByField) {
  auto load_error = [](const pare_model_options& options) {
    pare_model* model = nullptr;
    EXPECT_EQ(pare_model_load_with_options(fixture_model().c_str(), &options, &model), PARE_ERROR_ARGUMENT);
    EXPECT_EQ(model, nullptr);
    return std::string(pare_last_error());
  };
  pare_model_options options = pare_model_default_options();
  options.num_threads = -1;
  EXPECT_TRUE(has(load_error(options), "options.num_threads is -1"));
  options = pare_model_default_options();
  options.pooling = static_cast<pare_pooling>(7);
  EXPECT_TRUE(has(load_error(options), "options.pooling is 7"));
  options = pare_model_default_options();
  options.max_tokens = 2;
  EXPECT_TRUE(has(load_error(options), "options.max_tokens is 2"));
  options.max_tokens = 17;
  EXPECT_TRUE(has(load_error(options), "options.max_tokens is 17 but"));
  EXPECT_TRUE(has(load_error(options), "max_position_embeddings = 16"));
}

TEST(CApi, ShorterMaxTokensTruncatesLikeTheTokenizer) {
  pare_model_options options = pare_model_default_options();
  options.max_tokens = 5;
  const Model model = load(fixture_model(), &options);
  EXPECT_EQ(tokenize(model.get(), "hello world the cat", nullptr), (std::vector<std::int32_t>{2, 5, 6, 22, 3}));
  // longest first: "hello world the" (3) and "cat" (1) into 2 pieces.
  EXPECT_EQ(tokenize(model.get(), "hello world the", "cat"), (std::vector<std::int32_t>{2, 5, 3, 23, 3}));
}

}  // namespace
}  // namespace pare
