#include "models/tokenizers/sentencepiece_training.h"

#include <sentencepiece_trainer.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <thread>
#include <unordered_map>

#include "models/tokenizers/utf8.h"  // sanitize
#include "runtime/error.h"

namespace pare {
namespace {

constexpr std::int64_t kSpecialPieces = 5;  // [PAD] [UNK] [CLS] [SEP] [MASK]

// Feeds the corpus files to the trainer line by line, so file names need no escaping (the
// trainer's own `input` flag splits on commas) and bad bytes are replaced before training.
class CorpusLines final : public sentencepiece::SentenceIterator {
 public:
  explicit CorpusLines(const std::vector<std::filesystem::path>& files) : files_(files) { Next(); }

  bool done() const override { return done_; }
  const std::string& value() const override { return line_; }
  sentencepiece::util::Status status() const override { return status_; }

  void Next() override {
    std::string raw;
    while (true) {
      if (in_.is_open() && std::getline(in_, raw)) {
        if (!raw.empty() && raw.back() == '\r') raw.pop_back();
        line_ = utf8::sanitize(raw);
        return;
      }
      if (in_.is_open() && in_.bad()) return fail("read error in " + files_[next_file_ - 1].string());
      in_.close();
      if (next_file_ == files_.size()) {
        done_ = true;
        return;
      }
      in_.open(files_[next_file_], std::ios::binary);
      ++next_file_;
      if (!in_) return fail("cannot open corpus file " + files_[next_file_ - 1].string());
    }
  }

 private:
  void fail(const std::string& message) {
    status_ = sentencepiece::util::Status(sentencepiece::util::StatusCode::kNotFound, message);
    done_ = true;
  }

  const std::vector<std::filesystem::path>& files_;
  std::size_t next_file_ = 0;
  std::ifstream in_;
  std::string line_;
  bool done_ = false;
  sentencepiece::util::Status status_;
};

// A fresh folder next to the output, removed with whatever is left in it.
class TempDir {
 public:
  explicit TempDir(const std::filesystem::path& parent) {
    std::string pattern = (parent / ".sentencepiece-train.XXXXXX").string();
    PARE_CHECK(::mkdtemp(pattern.data()) != nullptr, "sentencepiece training: cannot create a temporary folder in ",
               parent);
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace

SentencePieceModelType parse_sentencepiece_model_type(std::string_view name) {
  if (name == "unigram") return SentencePieceModelType::unigram;
  if (name == "bpe") return SentencePieceModelType::bpe;
  throw Error(detail::concat("sentencepiece: unknown model type '", name, "' (expected unigram or bpe)"));
}

std::filesystem::path train_sentencepiece(const SentencePieceTrainingOptions& options) {
  PARE_CHECK(!options.corpus_files.empty(), "sentencepiece training: no corpus files");
  for (const auto& file : options.corpus_files) {
    PARE_CHECK(std::filesystem::is_regular_file(file), "sentencepiece training: corpus file ", file, " not found");
  }
  PARE_CHECK(options.vocab_size > kSpecialPieces && options.vocab_size < (std::int64_t{1} << 31),
             "sentencepiece training: vocab_size ", options.vocab_size, " must exceed the ", kSpecialPieces,
             " special pieces");
  PARE_CHECK(options.character_coverage > 0.0 && options.character_coverage <= 1.0,
             "sentencepiece training: character_coverage ", options.character_coverage, " not in (0, 1]");
  PARE_CHECK(!options.output_prefix.filename().empty(), "sentencepiece training: output prefix ", options.output_prefix,
             " has no file name");

  const std::filesystem::path prefix = std::filesystem::absolute(options.output_prefix);
  std::filesystem::create_directories(prefix.parent_path());
  const TempDir temp(prefix.parent_path());
  const std::filesystem::path temp_prefix = temp.path() / "model";
  const int threads = options.num_threads > 0 ? options.num_threads
                                              : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));

  const std::unordered_map<std::string, std::string> args = {
      {"model_prefix", temp_prefix.string()},
      {"vocab_size", std::to_string(options.vocab_size)},
      {"model_type", options.model_type == SentencePieceModelType::bpe ? "bpe" : "unigram"},
      {"character_coverage", std::to_string(options.character_coverage)},
      {"num_threads", std::to_string(threads)},
      {"pad_id", "0"},
      {"pad_piece", "[PAD]"},
      {"unk_id", "1"},
      {"unk_piece", "[UNK]"},
      {"bos_id", "-1"},
      {"eos_id", "-1"},
      {"user_defined_symbols", "[CLS],[SEP],[MASK]"},
      {"minloglevel", options.quiet ? "2" : "0"},
  };
  CorpusLines lines(options.corpus_files);
  const auto status = sentencepiece::SentencePieceTrainer::Train(args, &lines);
  PARE_CHECK(lines.status().ok(), "sentencepiece training: ", lines.status().ToString());
  PARE_CHECK(status.ok(), "sentencepiece training failed: ", status.ToString());

  const std::filesystem::path model = prefix.string() + ".model";
  auto move_into_place = [](const std::filesystem::path& from, const std::filesystem::path& to) {
    std::error_code error;
    std::filesystem::rename(from, to, error);
    PARE_CHECK(!error, "sentencepiece training: cannot rename ", from, " to ", to, ": ", error.message());
  };
  move_into_place(temp_prefix.string() + ".vocab", prefix.string() + ".vocab");
  move_into_place(temp_prefix.string() + ".model", model);
  return model;
}

}  // namespace pare
