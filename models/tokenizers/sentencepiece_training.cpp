#include "models/tokenizers/sentencepiece_training.h"

#include <poll.h>
#include <sentencepiece_trainer.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <functional>
#include <thread>
#include <unordered_map>

#include "models/tokenizers/utf8.h"  // sanitize
#include "runtime/error.h"
#include "runtime/io/input_file.h"
#include "runtime/io/temporary_directory.h"  // TemporaryDirectory

namespace pare {
namespace {

constexpr std::int64_t kSpecialPieces = kSentencePieceSpecialPieces;
constexpr int kMaxThreads = kMaxSentencePieceThreads;
constexpr double kMinCharacterCoverage = 0.98;
// sentencepiece skips longer lines (its max_sentence_length default).
constexpr std::size_t kMaxSentenceBytes = 4192;

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

// Whether a line gives sentencepiece something to learn from: it skips longer lines, and a line of
// whitespace alone normalises to nothing (a corpus of only such lines ends its process).
bool usable_line(const std::string& line) {
  return line.size() <= kMaxSentenceBytes &&
         std::any_of(line.begin(), line.end(), [](char c) { return c != ' ' && c != '\t' && c != '\r' && c != '\f'; });
}

void check_corpus_has_usable_lines(const std::vector<std::filesystem::path>& files) {
  for (const auto& file : files) {
    std::ifstream in(file, std::ios::binary);
    for (std::string line; std::getline(in, line);) {
      if (usable_line(line)) return;
    }
  }
  throw Error(
      detail::concat("sentencepiece training: no line of the corpus has text to learn from (lines of "
                     "whitespace alone, and lines longer than ",
                     kMaxSentenceBytes, " bytes, are skipped)"));
}

// sentencepiece's status messages carry its source location and condition; the ones a user can
// cause are said again in terms of pare's options.
std::string explain_status(const std::string& status, const SentencePieceTrainingOptions& options) {
  long long a = 0, b = 0;
  if (const auto at = status.find("Vocabulary size is smaller than required_chars. ");
      at != std::string::npos &&
      std::sscanf(status.c_str() + at, "Vocabulary size is smaller than required_chars. %lld vs %lld", &a, &b) == 2) {
    return detail::concat("sentencepiece training: vocab_size ", a, " is below the ", b,
                          " pieces the corpus' characters and the special tokens need; raise it, or lower the "
                          "character coverage (now ",
                          options.character_coverage, ")");
  }
  if (const auto at = status.find("Vocabulary size too high (");
      at != std::string::npos &&
      std::sscanf(status.c_str() + at, "Vocabulary size too high (%lld). Please set it to a value <= %lld", &a, &b) ==
          2) {
    return detail::concat("sentencepiece training: vocab_size ", a, " is more than this corpus yields (at most ", b,
                          " pieces); lower it or train on more text");
  }
  return "sentencepiece training failed: " + status;
}

// How often the parent asks `stop_requested` while the child trains.
constexpr int kStopPollMs = 100;

// The child's message pipe, read to its end; on a stop request the child is killed (its pipe then
// closes). Returns whether it was stopped.
bool read_child_message(int fd, pid_t child, const std::function<bool()>& stop_requested, std::string& message) {
  bool stopped = false;
  char buffer[4096];
  while (true) {
    if (!stopped && stop_requested && stop_requested()) {
      ::kill(child, SIGKILL);
      stopped = true;
    }
    pollfd readable{fd, POLLIN, 0};
    const int ready = ::poll(&readable, 1, kStopPollMs);
    if (ready == 0 || (ready < 0 && errno == EINTR)) continue;
    if (ready < 0) return stopped;
    const ssize_t n = ::read(fd, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return stopped;
    message.append(buffer, static_cast<std::size_t>(n));
  }
}

// Runs `train` in a child process and returns its status message ("" when it succeeded):
// sentencepiece ends the process on some inputs (its fatal log calls exit), which in a child only
// fails the training, so pare still reports it and removes the temporary folder.
std::string run_isolated(const std::function<std::string()>& train, const std::function<bool()>& stop_requested) {
  // Output still buffered here would otherwise be written twice, by the child's exit too.
  std::fflush(nullptr);
  int pipe_fds[2];
  PARE_CHECK(::pipe(pipe_fds) == 0, "sentencepiece training: cannot create a pipe: ", std::strerror(errno));
  const pid_t parent = ::getpid();
  const pid_t child = ::fork();
  if (child < 0) {
    const std::string reason = std::strerror(errno);
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
    throw Error("sentencepiece training: cannot start its process: " + reason);
  }
  if (child == 0) {
    ::close(pipe_fds[0]);
    // Ends with pare, however pare ends; a parent already gone before this took effect is checked.
    if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || ::getppid() != parent) ::_exit(1);
    // The parent's handlers (pare's checkpoint-on-Ctrl-C) are not the child's business.
    ::signal(SIGINT, SIG_DFL);
    ::signal(SIGTERM, SIG_DFL);
    ::signal(SIGHUP, SIG_DFL);
    std::string message;
    try {
      message = train();
    } catch (const std::exception& e) {
      message = e.what();
    }
    for (std::size_t written = 0; written < message.size();) {
      const ssize_t n = ::write(pipe_fds[1], message.data() + written, message.size() - written);
      if (n <= 0) break;
      written += static_cast<std::size_t>(n);
    }
    ::_exit(message.empty() ? 0 : 1);
  }
  ::close(pipe_fds[1]);
  std::string message;
  const bool stopped = read_child_message(pipe_fds[0], child, stop_requested, message);
  ::close(pipe_fds[0]);
  int status = 0;
  while (::waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  if (stopped) throw Interrupted("sentencepiece training stopped on a signal before it finished; nothing was written");
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return "";
  if (WIFEXITED(status) && WEXITSTATUS(status) == 1 && !message.empty()) return message;
  if (WIFSIGNALED(status)) {
    if (WTERMSIG(status) == SIGINT || WTERMSIG(status) == SIGTERM || WTERMSIG(status) == SIGHUP) {
      throw Interrupted("sentencepiece training was interrupted; run the command again");
    }
    return detail::concat("sentencepiece ended its process with signal ", WTERMSIG(status), " (",
                          ::strsignal(WTERMSIG(status)), "); see its messages above");
  }
  return detail::concat("sentencepiece ended its process with exit status ", WEXITSTATUS(status),
                        " on this corpus; see its messages above");
}

}  // namespace

SentencePieceModelType parse_sentencepiece_model_type(std::string_view name) {
  if (name == "unigram") return SentencePieceModelType::unigram;
  if (name == "bpe") return SentencePieceModelType::bpe;
  throw Error(detail::concat("sentencepiece: unknown model type '", name, "' (expected unigram or bpe)"));
}

std::filesystem::path train_sentencepiece(const SentencePieceTrainingOptions& options) {
  PARE_CHECK(!options.corpus_files.empty(), "sentencepiece training: no corpus files");
  for (const auto& file : options.corpus_files) {
    check_input_file(file, "sentencepiece training corpus");
    // It is read twice (the check for usable lines, then training): a pipe would be empty the second time.
    PARE_CHECK(std::filesystem::is_regular_file(file), "sentencepiece training: the corpus ", file,
               " is a pipe; give a regular file");
  }
  PARE_CHECK(options.vocab_size > kSpecialPieces && options.vocab_size <= kMaxSentencePieceVocabulary,
             "sentencepiece training: vocab_size ", options.vocab_size, " must exceed the ", kSpecialPieces,
             " special pieces and be at most ", kMaxSentencePieceVocabulary);
  PARE_CHECK(options.character_coverage >= kMinCharacterCoverage && options.character_coverage <= 1.0,
             "sentencepiece training: character_coverage ", options.character_coverage, " not in [",
             kMinCharacterCoverage, ", 1] (sentencepiece's range)");
  PARE_CHECK(options.num_threads >= 0 && options.num_threads <= kMaxThreads,
             "sentencepiece training: ", options.num_threads, " threads; sentencepiece takes 1 to ", kMaxThreads,
             " (0: one per hardware thread)");
  PARE_CHECK(!options.output_prefix.filename().empty(), "sentencepiece training: output prefix ", options.output_prefix,
             " has no file name");

  const std::filesystem::path prefix = std::filesystem::absolute(options.output_prefix);
  std::filesystem::create_directories(prefix.parent_path());
  // Next to the output, so the results are renamed into place on the same file system.
  const TemporaryDirectory temp(prefix.parent_path(), ".sentencepiece-train.");
  const std::filesystem::path temp_prefix = temp.path() / "model";
  check_corpus_has_usable_lines(options.corpus_files);
  const int threads = options.num_threads > 0
                          ? options.num_threads
                          : std::clamp(static_cast<int>(std::thread::hardware_concurrency()), 1, kMaxThreads);

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
  const std::string failure = run_isolated(
      [&]() -> std::string {
        CorpusLines lines(options.corpus_files);
        const auto status = sentencepiece::SentencePieceTrainer::Train(args, &lines);
        if (!lines.status().ok()) return "sentencepiece training: " + lines.status().ToString();
        return status.ok() ? "" : explain_status(status.ToString(), options);
      },
      options.stop_requested);
  PARE_CHECK(failure.empty(), failure);

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
