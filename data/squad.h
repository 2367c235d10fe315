// SQuAD v1.1 and v2.0 data for extractive question answering: the official JSON files read and
// checked, and each question with its context cut into the windows a BERT model reads.
//
// Files: {"version", "data": [{"title", "paragraphs": [{"context", "qas": [{"id", "question",
// "answers": [{"text", "answer_start"}], "is_impossible" (v2.0), "plausible_answers" (v2.0)}]}]}]}.
// answer_start counts characters (Unicode code points, as Python's str does); every answer's text
// must be the context's characters at that position, else the file is refused naming the question
// id and the field. A v2.0 question with is_impossible true has no answers.
//
// Windows, as Hugging Face's run_qa builds them: [CLS] question [SEP] context part [SEP], the question
// cut to max_query_length tokens, the context cut into parts of at most max_length - question - 3
// tokens that overlap by doc_stride tokens (a long context gives several windows). Every context token
// keeps the byte range of the context it came from (Tokenizer::encode_with_offsets), so a predicted span
// maps back to the context's own text. For training, the target is the answer's first and last token
// when the whole answer lies in the window's context part, else [CLS] (position 0) for both, as
// run_qa does; a v2.0 question without an answer always targets [CLS].
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "data/squad_metrics.h"  // SquadVersion
#include "models/tokenizers/tokenizer.h"

namespace pare {

struct SquadAnswer {
  std::string text;
  std::size_t start = 0;  // byte offset of the answer in the context (the file's answer_start, converted)
};

struct SquadExample {
  std::string id, question, context;
  std::vector<SquadAnswer> answers;  // empty: unanswerable (v2.0)
};

// The questions of a SQuAD file in file order. Throws pare::Error naming the file, the question id
// (where there is one) and the field for malformed JSON, a missing or mistyped field, a duplicate id,
// an answer_start outside the context, or an answer text that differs from the context there;
// v1.1 files may not hold unanswerable questions.
std::vector<SquadExample> read_squad_file(const std::filesystem::path& path, SquadVersion version);

// At most `max` of the examples spread evenly over the list (0: all), so part of a file still
// samples all of its articles.
std::vector<SquadExample> evenly_spaced(std::vector<SquadExample> examples, std::size_t max);

// The official scorer's view of the questions: ids and gold answer texts.
std::vector<SquadQuestion> squad_questions(const std::vector<SquadExample>& examples);

struct SquadWindowOptions {
  std::size_t max_length = 384;  // tokens of a window, special tokens included
  std::size_t doc_stride = 128;  // tokens shared by consecutive windows of one context
  std::size_t max_query_length = 64;
};

struct SquadWindow {
  std::size_t example = 0;  // index into the examples
  std::vector<std::int64_t> input_ids, token_type_ids;
  // For each token, the byte range of the context it covers; none for the question and special tokens.
  std::vector<std::optional<std::pair<std::size_t, std::size_t>>> context_offsets;
  std::int64_t start_position = 0, end_position = 0;  // training targets; 0 and 0: [CLS], no answer here
};

// Throws, naming the flags, when max_length leaves no room for the context after the question or
// when doc_stride is not below that room; callers check before loading a model.
void check_squad_window_options(const SquadWindowOptions& options);

// Every window of every example, in order. Checks the options first (check_squad_window_options).
std::vector<SquadWindow> squad_windows(const Tokenizer& tokenizer, const std::vector<SquadExample>& examples,
                                       const SquadWindowOptions& options);

}  // namespace pare
