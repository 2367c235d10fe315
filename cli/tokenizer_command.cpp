// pare tokenizer train: a BERT-ready sentencepiece vocabulary from text files.
// pare tokenizer encode: the tokens, ids and token types pare gives a text (or a pair), as JSON, for
// checking parity with another implementation.
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/strict_numbers.h"
#include "models/tokenizers/sentencepiece_training.h"  // kMaxSentencePieceVocabulary, kMaxSentencePieceThreads
#include "models/tokenizers/tokenizer.h"
#include "runtime/error.h"
#include "train/corpus_tokenizer.h"
#include "train/output_folder.h"

namespace pare::cli {
namespace {

struct TrainArgs {
  std::vector<std::string> corpus;
  std::string brown = "corpora/brown";
  std::int64_t vocab_size = 0;
  std::string out;
  std::string model_type = "unigram";
  double character_coverage = 0.9995;
  int threads = 0;
  bool overwrite = false;
};

struct EncodeArgs {
  std::string model;
  std::string text;
  std::string pair;
  std::size_t max_length = 0;
  std::string truncation = "longest_first";
};

void train(const TrainArgs& args) {
  const bool brown = args.corpus.size() == 1 && args.corpus[0] == "brown";
  std::vector<std::filesystem::path> inputs(args.corpus.begin(), args.corpus.end());
  if (brown) inputs = {args.brown};
  check_output_folder(args.out, inputs, args.overwrite, "tokenizer train");
  SentencePieceTrainingOptions options;
  options.vocab_size = args.vocab_size;
  options.model_type = parse_sentencepiece_model_type(args.model_type);
  options.output_prefix = std::filesystem::path(args.out) / "spiece";
  options.character_coverage = args.character_coverage;
  options.num_threads = args.threads;
  const std::filesystem::path model = train_corpus_tokenizer(args.corpus, args.brown, options);
  const std::unique_ptr<Tokenizer> tokenizer = load_tokenizer(model);
  std::printf("wrote %s (%lld pieces; [PAD]=%lld [UNK]=%lld [CLS]=%lld [SEP]=%lld [MASK]=%lld)\n",
              model.string().c_str(), static_cast<long long>(tokenizer->vocab_size()),
              static_cast<long long>(tokenizer->pad_id()), static_cast<long long>(tokenizer->unk_id()),
              static_cast<long long>(tokenizer->cls_id()), static_cast<long long>(tokenizer->sep_id()),
              static_cast<long long>(tokenizer->mask_id()));
}

void encode(const EncodeArgs& args, bool has_pair) {
  const std::unique_ptr<Tokenizer> tokenizer = load_tokenizer(args.model);
  const Truncation truncation = parse_truncation(args.truncation);
  const Encoding encoding = has_pair ? tokenizer->encode_pair(args.text, args.pair, args.max_length, truncation)
                                     : tokenizer->encode_single(args.text, args.max_length);
  // One line per field keeps it readable and still valid JSON.
  auto line = [](const nlohmann::json& value) {
    return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  };
  std::cout << "{\n  \"tokens\": " << line(encoding.tokens) << ",\n  \"input_ids\": " << line(encoding.ids)
            << ",\n  \"token_type_ids\": " << line(encoding.token_type_ids) << "\n}\n";
}

}  // namespace

void add_tokenizer_command(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand("tokenizer", "Train a sentencepiece vocabulary or show how a text is encoded");
  cmd->require_subcommand(1);

  auto train_args = std::make_shared<TrainArgs>();
  CLI::App* train_cmd = cmd->add_subcommand("train", "Train a sentencepiece vocabulary with BERT's special tokens");
  train_cmd
      ->add_option("--corpus", train_args->corpus,
                   "Text files (one sentence per line), or 'brown' for the Brown corpus' training texts")
      ->required();
  train_cmd->add_option("--brown", train_args->brown, "Brown corpus directory")->capture_default_str();
  train_cmd->add_option("--vocab-size", train_args->vocab_size, "Number of pieces, special tokens included")
      ->required()
      ->check(between(kSentencePieceSpecialPieces + 1, kMaxSentencePieceVocabulary));
  train_cmd->add_option("--out", train_args->out, "Folder that receives spiece.model and spiece.vocab (new or empty)")
      ->required();
  train_cmd->add_flag("--overwrite", train_args->overwrite,
                      "write into a folder that holds files (replacing spiece.*)");
  train_cmd->add_option("--model-type", train_args->model_type, "unigram or bpe")
      ->check(CLI::IsMember({"unigram", "bpe"}))
      ->capture_default_str();
  train_cmd
      ->add_option("--character-coverage", train_args->character_coverage,
                   "Share of the corpus' characters the alphabet covers")
      ->capture_default_str();
  train_cmd->add_option("--threads", train_args->threads, "Training threads (0: one per hardware thread)")
      ->check(between(0, kMaxSentencePieceThreads))
      ->capture_default_str();
  train_cmd->callback([train_args] { train(*train_args); });

  auto encode_args = std::make_shared<EncodeArgs>();
  CLI::App* encode_cmd = cmd->add_subcommand("encode", "Print the tokens, ids and token types of a text as JSON");
  encode_cmd
      ->add_option("--model", encode_args->model,
                   "Model folder (tokenizer.json, vocab.txt or *.model) or one tokenizer file")
      ->required();
  encode_cmd->add_option("--text", encode_args->text, "Text to encode")->required();
  CLI::Option* pair = encode_cmd->add_option("--pair", encode_args->pair, "Second text: [CLS] text [SEP] pair [SEP]");
  encode_cmd->add_option("--max-length", encode_args->max_length, "Truncate to this many tokens (0: no limit)")
      ->check(at_least(0))
      ->capture_default_str();
  encode_cmd->add_option("--truncation", encode_args->truncation, "longest_first, only_first or only_second")
      ->check(CLI::IsMember({"longest_first", "only_first", "only_second"}))
      ->capture_default_str();
  encode_cmd->callback([encode_args, pair] { encode(*encode_args, pair->count() > 0); });
}

}  // namespace pare::cli
