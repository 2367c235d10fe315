#include "data/brown.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <map>

#include "data/text_lines.h"  // read_text_lines, file_line_prefix
#include "runtime/error.h"

namespace pare {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// "c" + letter + two digits: the shape of a corpus file name (other package files differ).
bool looks_like_text_name(std::string_view name) {
  return name.size() == 4 && name[0] == 'c' && name[1] >= 'a' && name[1] <= 'z' && is_digit(name[2]) &&
         is_digit(name[3]);
}

void check_text_name(std::string_view name) {
  PARE_CHECK(looks_like_text_name(name), "'", name, "' is not a Brown text name (c<genre><nn>, e.g. ca01)");
  PARE_CHECK(brown_genre_letters().find(name[1]) != std::string::npos, "Brown text '", name,
             "' has unknown genre letter '", name[1], "' (known: ", brown_genre_letters(), ")");
}

int text_number(std::string_view name) { return (name[2] - '0') * 10 + (name[3] - '0'); }

std::string join(const std::vector<std::string>& words) {
  std::string text;
  for (const auto& w : words) {
    if (!text.empty()) text += ' ';
    text += w;
  }
  return text;
}

// brown-order's sentences: long enough to hold a swap worth noticing, short enough for 128 tokens.
constexpr std::size_t kOrderMinWords = 6, kOrderMaxWords = 48;

// FNV-1a of the text name and the line: a fixed, platform-independent choice per sentence.
std::uint64_t order_hash(const std::string& name, std::size_t line) {
  std::uint64_t h = 1469598103934665603ull;
  auto mix = [&h](unsigned char c) {
    h ^= c;
    h *= 1099511628211ull;
  };
  for (unsigned char c : name) mix(c);
  for (unsigned char c : std::to_string(line)) mix(c);
  // FNV's low bits alone are weak; fold the high half in.
  return h ^ (h >> 29);
}

std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

std::vector<BrownText> read_split(const std::filesystem::path& dir, Split split) {
  std::vector<BrownText> texts;
  for (const auto& file : brown_text_files(dir)) {
    if (brown_split(file.filename().string()) == split) texts.push_back(read_brown_text(file));
  }
  return texts;
}

}  // namespace

const std::string& brown_genre_letters() {
  static const std::string letters = "abcdefghjklmnpr";
  return letters;
}

const TaskInfo& brown_genre_task() {
  static const TaskInfo task{
      "brown-genre",
      TaskKind::classification,
      {"news", "editorial", "reviews", "religion", "hobbies", "lore", "belles_lettres", "government", "learned",
       "fiction", "mystery", "science_fiction", "adventure", "romance", "humor"},
      {"accuracy"}};
  return task;
}

const std::vector<std::string>& brown_pos_tags() {
  static const std::vector<std::string> tags = {
      "'",    "''",   "(",    ")",   "*",    ",",    "--",   ".",     ":",   "``",   "abl",  "abn", "abx",
      "ap",   "ap$",  "at",   "be",  "bed",  "bed*", "bedz", "bedz*", "beg", "bem",  "bem*", "ben", "ber",
      "ber*", "bez",  "bez*", "cc",  "cd",   "cd$",  "cs",   "do",    "do*", "dod",  "dod*", "doz", "doz*",
      "dt",   "dt$",  "dti",  "dts", "dtx",  "ex",   "hv",   "hv*",   "hvd", "hvd*", "hvg",  "hvn", "hvz",
      "hvz*", "in",   "jj",   "jj$", "jjr",  "jjs",  "jjt",  "md",    "md*", "nil",  "nn",   "nn$", "nns",
      "nns$", "np",   "np$",  "nps", "nps$", "nr",   "nr$",  "nrs",   "od",  "pn",   "pn$",  "pp$", "pp$$",
      "ppl",  "ppls", "ppo",  "pps", "ppss", "ql",   "qlp",  "rb",    "rb$", "rbr",  "rbt",  "rn",  "rp",
      "to",   "uh",   "vb",   "vbd", "vbg",  "vbn",  "vbz",  "wdt",   "wp$", "wpo",  "wps",  "wql", "wrb"};
  return tags;
}

const TaskInfo& brown_pos_task() {
  static const TaskInfo task{"brown-pos", TaskKind::tagging, brown_pos_tags(), {"accuracy"}};
  return task;
}

const TaskInfo& brown_order_task() {
  static const TaskInfo task{"brown-order", TaskKind::classification, {"shuffled", "original"}, {"accuracy"}};
  return task;
}

std::string simplify_brown_tag(std::string_view tag) {
  if (tag.starts_with("fw-")) tag.remove_prefix(3);
  tag = tag.substr(0, tag.find('+'));
  // The length guard keeps a tag that is only a marker-like string ("--" of "---hl") whole.
  while (tag.size() > 3 && (tag.ends_with("-tl") || tag.ends_with("-hl") || tag.ends_with("-nc"))) tag.remove_suffix(3);
  return std::string(tag);
}

Split brown_split(std::string_view text_name) {
  check_text_name(text_name);
  switch (text_number(text_name) % 10) {
    case 1:
      return Split::test;
    case 2:
      return Split::dev;
    default:
      return Split::train;
  }
}

BrownText read_brown_text(const std::filesystem::path& file) {
  const std::string name = file.filename().string();
  check_text_name(name);
  BrownText text{file, name, name[1], text_number(name), {}};
  const std::vector<std::string> lines = read_text_lines(file);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    BrownSentence sentence;
    sentence.line = i + 1;
    std::string_view rest(lines[i]);
    while (true) {
      const std::size_t start = rest.find_first_not_of(" \t");
      if (start == std::string_view::npos) break;
      rest.remove_prefix(start);
      const std::string_view token = rest.substr(0, rest.find_first_of(" \t"));
      rest.remove_prefix(token.size());
      const std::size_t slash = token.rfind('/');
      PARE_CHECK(slash != std::string_view::npos && slash > 0 && slash + 1 < token.size(),
                 file_line_prefix(file, i + 1), "token '", token, "' is not of the form word/tag");
      sentence.words.emplace_back(token.substr(0, slash));
      sentence.tags.emplace_back(token.substr(slash + 1));
    }
    if (!sentence.words.empty()) text.sentences.push_back(std::move(sentence));
  }
  PARE_CHECK(!text.sentences.empty(), file.string(), ": no sentences in this Brown text");
  return text;
}

std::vector<std::filesystem::path> brown_text_files(const std::filesystem::path& dir) {
  const std::string hint = "; run scripts/fetch-brown.sh to fetch the corpus into corpora/brown";
  PARE_CHECK(std::filesystem::is_directory(dir), "Brown corpus folder ", dir.string(), " not found", hint);
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (!entry.is_regular_file() || !looks_like_text_name(name)) continue;
    check_text_name(name);
    files.push_back(entry.path());
  }
  PARE_CHECK(!files.empty(), "no Brown texts (ca01 ...) in ", dir.string(), hint);
  std::sort(files.begin(), files.end());
  return files;
}

std::vector<TextExample> brown_genre_examples(const std::filesystem::path& dir, Split split,
                                              std::size_t sentences_per_passage) {
  PARE_CHECK(sentences_per_passage > 0, "brown-genre: sentences per passage must be positive");
  std::vector<TextExample> examples;
  for (const BrownText& text : read_split(dir, split)) {
    const auto label = static_cast<std::int64_t>(brown_genre_letters().find(text.genre));
    const std::size_t n = text.sentences.size();
    for (std::size_t start = 0; start + sentences_per_passage <= n; start += sentences_per_passage) {
      TextExample ex;
      ex.id = text.name + ":" + std::to_string(text.sentences[start].line);
      for (std::size_t s = start; s < start + sentences_per_passage; ++s) {
        if (!ex.text_a.empty()) ex.text_a += ' ';
        ex.text_a += join(text.sentences[s].words);
      }
      ex.label = label;
      examples.push_back(std::move(ex));
    }
  }
  return examples;
}

std::vector<TextExample> brown_order_examples(const std::filesystem::path& dir, Split split) {
  std::vector<TextExample> examples;
  for (const BrownText& text : read_split(dir, split)) {
    for (const BrownSentence& sentence : text.sentences) {
      // Positions of words with a letter: moving punctuation would leave a cue (a sentence that no
      // longer ends with its full stop) that needs no reading of the order of words.
      std::vector<std::size_t> words;
      for (std::size_t i = 0; i < sentence.words.size(); ++i) {
        const std::string& w = sentence.words[i];
        if (std::any_of(w.begin(), w.end(), [](unsigned char c) { return std::isalpha(c); })) words.push_back(i);
      }
      if (sentence.words.size() < kOrderMinWords || sentence.words.size() > kOrderMaxWords || words.size() < 2)
        continue;
      const std::uint64_t h = order_hash(text.name, sentence.line);
      TextExample ex;
      ex.id = text.name + ":" + std::to_string(sentence.line);
      std::vector<std::string> shown = sentence.words;
      const bool shuffle = (h & 1) == 0;
      if (shuffle) {
        // Fisher-Yates over the word positions, drawn from a splitmix64 stream seeded by the hash.
        std::uint64_t state = h;
        for (std::size_t i = words.size() - 1; i > 0; --i) {
          const std::size_t j = splitmix64(state) % (i + 1);
          std::swap(shown[words[i]], shown[words[j]]);
        }
        if (shown == sentence.words) continue;  // a shuffle that changed nothing
      }
      ex.text_a = join(shown);
      ex.label = shuffle ? 0 : 1;
      examples.push_back(std::move(ex));
    }
  }
  return examples;
}

std::vector<TextExample> brown_pos_examples(const std::filesystem::path& dir, Split split) {
  static const std::map<std::string, std::int64_t> tag_index = [] {
    std::map<std::string, std::int64_t> index;
    for (std::size_t i = 0; i < brown_pos_tags().size(); ++i) index[brown_pos_tags()[i]] = static_cast<std::int64_t>(i);
    return index;
  }();
  std::vector<TextExample> examples;
  for (const BrownText& text : read_split(dir, split)) {
    for (const BrownSentence& sentence : text.sentences) {
      TextExample ex;
      ex.id = text.name + ":" + std::to_string(sentence.line);
      ex.words = sentence.words;
      ex.text_a = join(sentence.words);
      for (const std::string& raw : sentence.tags) {
        const auto it = tag_index.find(simplify_brown_tag(raw));
        PARE_CHECK(it != tag_index.end(), file_line_prefix(text.file, sentence.line), "tag '", raw, "' simplifies to '",
                   simplify_brown_tag(raw), "', which is not in the brown-pos tag set");
        ex.tags.push_back(it->second);
      }
      examples.push_back(std::move(ex));
    }
  }
  return examples;
}

std::vector<std::string> brown_sentences(const std::filesystem::path& dir, Split split) {
  std::vector<std::string> sentences;
  for (const auto& file : brown_text_files(dir)) {
    if (brown_split(file.filename().string()) != split) continue;
    for (const BrownSentence& s : read_brown_text(file).sentences) {
      std::string line;
      for (const std::string& w : s.words) line += (line.empty() ? "" : " ") + w;
      sentences.push_back(std::move(line));
    }
  }
  return sentences;
}

}  // namespace pare
