#include "train/pretrain.h"

#include <algorithm>

#include "data/brown.h"
#include "data/text_lines.h"
#include "models/bert_sizes.h"
#include "models/checkpoint.h"  // load_pretrained
#include "models/int8_model.h"  // check_not_int8
#include "runtime/error.h"
#include "train/evaluate.h"
#include "train/mlm_masking.h"
#include "train/output_folder.h"
#include "train/tokenizer_files.h"

namespace pare {
namespace {

// Every 20th packed sequence of a text-file corpus is held out.
constexpr std::size_t kHeldOutEvery = 20;
// The masks of every evaluation come from this seed, so evaluations compare.
constexpr std::uint64_t kEvalMaskingSeed = 1234;

struct Corpus {
  std::vector<std::string> train;
  std::vector<std::string> dev;
};

Corpus read_corpus(const PretrainOptions& options) {
  Corpus corpus;
  if (options.corpus_files.empty()) {
    corpus.train = brown_sentences(options.brown_dir, Split::train);
    corpus.dev = brown_sentences(options.brown_dir, Split::dev);
    return corpus;
  }
  for (const auto& file : options.corpus_files) {
    for (std::string& line : read_text_lines(file)) corpus.train.push_back(std::move(line));
  }
  return corpus;
}

std::shared_ptr<BertTaskModel> pretraining_model(const PretrainOptions& options, const Tokenizer& tokenizer) {
  if (!options.model_dir.empty()) {
    check_not_int8(BertConfig::load(options.model_dir), options.model_dir.string(), "pretraining");
    LoadOptions load;
    load.task = BertTask::masked_lm;
    load.seed = options.trainer.seed;
    LoadedBert loaded = load_pretrained(options.model_dir, load);
    return loaded.model;
  }
  BertConfig config = named_bert_config(options.size, tokenizer.vocab_size());
  config.pad_token_id = tokenizer.pad_id();
  // A fresh model has a position for every token of a packed sequence; its parameter count (checked
  // against the machine's memory when it is built) bounds max_length.
  PARE_CHECK(options.max_length <= static_cast<std::size_t>(kMaxBertPositions), "pretrain: max_length ",
             options.max_length, " is more than ", kMaxBertPositions, " positions");
  config.max_position_embeddings =
      std::max<std::int64_t>(config.max_position_embeddings, static_cast<std::int64_t>(options.max_length));
  return make_bert_model(config, BertTask::masked_lm, options.trainer.seed);
}

}  // namespace

std::vector<TokenizedExample> pack_sentences(const Tokenizer& tokenizer, std::span<const std::string> sentences,
                                             std::size_t max_length) {
  PARE_CHECK(max_length >= 3, "pretraining: max_length must be at least 3, got ", max_length);
  const std::size_t budget = max_length - 2;
  const std::int64_t cls = tokenizer.cls_id(), sep = tokenizer.sep_id();
  std::vector<TokenizedExample> out;
  std::vector<std::int64_t> pieces;
  auto flush = [&] {
    if (pieces.empty()) return;
    TokenizedExample e;
    e.input_ids.reserve(pieces.size() + 2);
    e.input_ids.push_back(cls);
    e.input_ids.insert(e.input_ids.end(), pieces.begin(), pieces.end());
    e.input_ids.push_back(sep);
    out.push_back(std::move(e));
    pieces.clear();
  };
  for (const std::string& sentence : sentences) {
    const std::vector<std::int64_t> ids = tokenizer.encode(sentence);
    if (ids.empty()) continue;
    if (pieces.size() + ids.size() > budget) flush();
    for (std::size_t start = 0; start < ids.size(); start += budget) {
      const std::size_t end = std::min(ids.size(), start + budget);
      if (pieces.size() + (end - start) > budget) flush();
      pieces.insert(pieces.end(), ids.begin() + static_cast<std::ptrdiff_t>(start),
                    ids.begin() + static_cast<std::ptrdiff_t>(end));
    }
  }
  flush();
  return out;
}

TrainResult pretrain(const PretrainOptions& options) {
  PARE_CHECK(options.model_dir.empty() != options.size.empty(),
             "pretrain: give a model directory or a named size, not ", options.model_dir.empty() ? "neither" : "both");
  PARE_CHECK(!options.size.empty() || options.tokenizer.empty(),
             "pretrain: --tokenizer goes with --size; a model directory brings its own tokenizer");
  PARE_CHECK(options.size.empty() || !options.tokenizer.empty(), "pretrain: a fresh model of size '", options.size,
             "' needs a tokenizer (--tokenizer DIR)");
  const std::filesystem::path tokenizer_source = options.size.empty() ? options.model_dir : options.tokenizer;
  std::vector<std::filesystem::path> inputs = options.trainer.inputs;
  inputs.push_back(tokenizer_source);
  inputs.insert(inputs.end(), options.corpus_files.begin(), options.corpus_files.end());
  if (options.corpus_files.empty()) inputs.push_back(options.brown_dir);
  check_output_folder(options.trainer.output_dir, inputs, true, "pretrain");
  const std::unique_ptr<Tokenizer> tokenizer = load_tokenizer(tokenizer_source);
  std::shared_ptr<BertTaskModel> model = pretraining_model(options, *tokenizer);
  if (auto* mlm = dynamic_cast<BertForMaskedLM*>(model.get())) mlm->set_predict_labelled_only(true);
  const BertConfig& config = model->config();
  PARE_CHECK(tokenizer->vocab_size() <= config.vocab_size, "pretrain: the tokenizer has ", tokenizer->vocab_size(),
             " tokens but the model's vocab_size is ", config.vocab_size);
  PARE_CHECK(options.max_length <= static_cast<std::size_t>(config.max_position_embeddings), "pretrain: max_length ",
             options.max_length, " exceeds the model's max_position_embeddings ", config.max_position_embeddings);

  const Corpus corpus = read_corpus(options);
  std::vector<TokenizedExample> train = pack_sentences(*tokenizer, corpus.train, options.max_length);
  std::vector<TokenizedExample> dev = pack_sentences(*tokenizer, corpus.dev, options.max_length);
  if (options.corpus_files.size() > 0 && train.size() >= kHeldOutEvery) {
    std::vector<TokenizedExample> kept;
    for (std::size_t i = 0; i < train.size(); ++i) {
      (i % kHeldOutEvery == kHeldOutEvery - 1 ? dev : kept).push_back(std::move(train[i]));
    }
    train = std::move(kept);
  }
  PARE_CHECK(!train.empty(), "pretrain: the corpus holds no text");
  if (options.max_eval_sequences > 0 && dev.size() > options.max_eval_sequences) {
    std::vector<TokenizedExample> spread;
    for (std::size_t i = 0; i < options.max_eval_sequences; ++i)
      spread.push_back(dev[i * dev.size() / options.max_eval_sequences]);
    dev = std::move(spread);
  }

  MlmMaskingOptions masking;
  masking.mask_probability = options.mask_probability;
  masking.mask_token_id = tokenizer->mask_id();
  masking.vocab_size = tokenizer->vocab_size();
  masking.special_token_ids = {tokenizer->cls_id(), tokenizer->sep_id(), tokenizer->pad_id()};

  TrainerOptions trainer_options = options.trainer;
  trainer_options.caller_settings["seq"] = options.max_length;
  for (const auto& file : tokenizer_files(tokenizer_source)) trainer_options.model_files.push_back(file);
  if (trainer_options.metric_for_best.empty()) {
    trainer_options.metric_for_best = "loss";
    trainer_options.greater_is_better = false;
  }
  Trainer trainer(model, trainer_options);
  trainer.set_train_data(std::move(train), TaskKind::classification, tokenizer->pad_id());
  trainer.set_batch_transform([masking](Batch& batch, Generator& gen) {
    MlmBatch corrupted = mask_tokens_for_mlm(batch.input_ids, batch.attention_mask, masking, gen);
    batch.input_ids = std::move(corrupted.input_ids);
    batch.labels = std::move(corrupted.labels);
  });
  if (!dev.empty()) {
    const EvalOptions eval_options{options.eval_batch_size, tokenizer->pad_id()};
    trainer.set_evaluator([dev = std::move(dev), masking, eval_options](const BertTaskModel& m) {
      return evaluate_mlm(m, dev, masking, kEvalMaskingSeed, eval_options);
    });
  }
  return trainer.train();
}

}  // namespace pare
