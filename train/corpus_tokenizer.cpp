#include "train/corpus_tokenizer.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "data/brown.h"  // brown_sentences
#include "runtime/error.h"
#include "runtime/io/atomic_file.h"
#include "train/interrupt.h"

namespace pare {
namespace {

// The Brown training split as a plain-text file (one sentence per line) for sentencepiece, removed
// when this goes out of scope.
class BrownTrainingText {
 public:
  explicit BrownTrainingText(const std::filesystem::path& brown_dir) {
    std::string pattern = (std::filesystem::temp_directory_path() / "pare-brown-text.XXXXXX").string();
    const int fd = mkstemp(pattern.data());
    PARE_CHECK(fd >= 0, "cannot create a temporary file for the Brown text: ", std::strerror(errno));
    close(fd);
    path_ = pattern;
    std::string text;
    for (const std::string& sentence : brown_sentences(brown_dir, Split::train)) text += sentence + "\n";
    write_file_atomically(path_, text);
  }
  ~BrownTrainingText() { std::filesystem::remove(path_); }
  BrownTrainingText(const BrownTrainingText&) = delete;
  BrownTrainingText& operator=(const BrownTrainingText&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace

std::filesystem::path train_corpus_tokenizer(const std::vector<std::string>& corpus,
                                             const std::filesystem::path& brown_dir,
                                             SentencePieceTrainingOptions options) {
  // A stop signal ends the training process and leaves nothing behind (no temporary folder, no
  // process writing beside the output after pare exited).
  const StopOnInterrupt stop_guard;
  if (!options.stop_requested) options.stop_requested = &StopOnInterrupt::requested;
  std::unique_ptr<BrownTrainingText> brown_text;
  options.corpus_files.clear();
  for (const std::string& entry : corpus) {
    if (entry == "brown") {
      brown_text = std::make_unique<BrownTrainingText>(brown_dir);
      options.corpus_files.push_back(brown_text->path());
    } else {
      PARE_CHECK(std::filesystem::is_regular_file(entry), "tokenizer train: corpus file '", entry,
                 "' does not exist (give text files or 'brown')");
      options.corpus_files.push_back(entry);
    }
  }
  return train_sentencepiece(options);
}

}  // namespace pare
