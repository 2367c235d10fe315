#include "train/squad_evaluation.h"

#include <algorithm>
#include <chrono>
#include <limits>
#include <map>

#include "models/bert_heads.h"  // BertForQuestionAnswering
#include "models/checkpoint.h"  // load_pretrained
#include "models/tokenizers/tokenizer.h"
#include "runtime/autograd.h"  // NoGradGuard
#include "runtime/error.h"
#include "runtime/parameter_cache.h"

namespace pare {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// Windows [begin, end) padded into one batch with `pad`.
BertInputs batch_of(const std::vector<SquadWindow>& windows, std::size_t begin, std::size_t end, std::int64_t pad,
                    Device device) {
  std::size_t longest = 0;
  for (std::size_t w = begin; w < end; ++w) longest = std::max(longest, windows[w].input_ids.size());
  const auto rows = static_cast<std::int64_t>(end - begin), cols = static_cast<std::int64_t>(longest);
  std::vector<std::int64_t> ids(static_cast<std::size_t>(rows * cols), pad), mask(ids.size(), 0), types(ids.size(), 0);
  for (std::size_t w = begin; w < end; ++w) {
    const SquadWindow& window = windows[w];
    const std::size_t row = (w - begin) * longest;
    std::copy(window.input_ids.begin(), window.input_ids.end(), ids.begin() + static_cast<std::ptrdiff_t>(row));
    std::copy(window.token_type_ids.begin(), window.token_type_ids.end(),
              types.begin() + static_cast<std::ptrdiff_t>(row));
    std::fill_n(mask.begin() + static_cast<std::ptrdiff_t>(row), window.input_ids.size(), 1);
  }
  const Shape shape{rows, cols};
  return {Tensor::from_vector(ids, shape).to(device), Tensor::from_vector(mask, shape).to(device),
          Tensor::from_vector(types, shape).to(device)};
}

}  // namespace

SquadEvaluation evaluate_squad_windows(const BertTaskModel& model, std::int64_t pad_id,
                                       const std::vector<SquadExample>& examples,
                                       const std::vector<SquadWindow>& windows, SquadVersion version,
                                       const SquadAnswerOptions& answers, std::size_t batch_size) {
  SquadEvaluation out;
  out.windows = windows.size();
  auto start = Clock::now();
  std::vector<std::vector<float>> start_logits(windows.size()), end_logits(windows.size());
  {
    const NoGradGuard no_grad;
    const ParameterCache weights(model.parameters());
    for (std::size_t begin = 0; begin < windows.size(); begin += batch_size) {
      const std::size_t end = std::min(windows.size(), begin + batch_size);
      const BertOutputs outputs = model.forward(batch_of(windows, begin, end, pad_id, model.bert().device()));
      const std::vector<float> starts = BertForQuestionAnswering::start_logits(outputs.logits).to_vector<float>();
      const std::vector<float> ends = BertForQuestionAnswering::end_logits(outputs.logits).to_vector<float>();
      const auto cols = static_cast<std::size_t>(outputs.logits.size(1));
      for (std::size_t w = begin; w < end; ++w) {
        const auto row = static_cast<std::ptrdiff_t>((w - begin) * cols);
        start_logits[w].assign(starts.begin() + row, starts.begin() + row + static_cast<std::ptrdiff_t>(cols));
        end_logits[w].assign(ends.begin() + row, ends.begin() + row + static_cast<std::ptrdiff_t>(cols));
      }
    }
  }
  out.model_seconds = seconds_since(start);

  start = Clock::now();
  const std::vector<SquadPrediction> predicted =
      squad_predictions(examples, windows, start_logits, end_logits, version, answers);
  std::map<std::string, std::string> texts;
  std::map<std::string, double> no_answer;
  for (std::size_t i = 0; i < examples.size(); ++i) {
    out.predictions.emplace_back(examples[i].id, predicted[i].text);
    texts.emplace(examples[i].id, predicted[i].text);
    no_answer.emplace(examples[i].id, predicted[i].no_answer_score);
  }
  const std::vector<SquadQuestion> questions = squad_questions(examples);
  if (version == SquadVersion::v1_1) {
    const SquadScores s = squad_v1_scores(questions, texts);
    out.metrics = {{"f1", s.f1}, {"exact_match", s.exact_match}};
  } else {
    // Every prediction already says "" where its no-answer score passed the threshold, so it is
    // scored as given (threshold above every score); the no-answer scores pick the best thresholds.
    const SquadScores s = squad_v2_scores(questions, texts, no_answer, std::numeric_limits<double>::infinity());
    out.metrics = {{"f1", s.f1}, {"exact_match", s.exact_match}};
    if (s.has_answer_exact) {
      out.metrics.push_back({"HasAns_exact", *s.has_answer_exact});
      out.metrics.push_back({"HasAns_f1", *s.has_answer_f1});
    }
    if (s.no_answer_exact) {
      out.metrics.push_back({"NoAns_exact", *s.no_answer_exact});
      out.metrics.push_back({"NoAns_f1", *s.no_answer_f1});
    }
    if (s.best_f1) {
      out.metrics.push_back({"best_exact", *s.best_exact});
      out.metrics.push_back({"best_exact_thresh", *s.best_exact_threshold});
      out.metrics.push_back({"best_f1", *s.best_f1});
      out.metrics.push_back({"best_f1_thresh", *s.best_f1_threshold});
    }
  }
  out.bookkeeping_seconds += seconds_since(start);
  return out;
}

SquadEvaluation evaluate_squad(const SquadEvaluateOptions& o) {
  // Options and data first: a bad setting or a malformed file fails before any model work.
  check_squad_window_options(o.windows);
  const std::vector<SquadExample> examples = evenly_spaced(read_squad_file(o.file, o.version), o.max_examples);
  LoadedBert loaded = load_pretrained(o.model_dir);
  PARE_CHECK(loaded.model->task() == BertTask::question_answering, o.model_dir.string(), " is a ",
             architecture_name(loaded.model->task()), "; SQuAD needs a BertForQuestionAnswering model");
  PARE_CHECK(loaded.report.initialised.empty(), o.model_dir.string(), ": ", loaded.report.summary(),
             "\nan evaluation of freshly initialised weights would score noise; fine-tune the model first");
  PARE_CHECK(o.windows.max_length <= static_cast<std::size_t>(loaded.model->config().max_position_embeddings), "--seq ",
             o.windows.max_length, " exceeds ", o.model_dir.string(), "'s max_position_embeddings ",
             loaded.model->config().max_position_embeddings);
  loaded.model->to(o.device);
  loaded.model->eval();
  const std::unique_ptr<Tokenizer> tokenizer = load_tokenizer(o.model_dir);
  const auto start = Clock::now();
  const std::vector<SquadWindow> windows = squad_windows(*tokenizer, examples, o.windows);
  const double windowing = seconds_since(start);
  SquadEvaluation out =
      evaluate_squad_windows(*loaded.model, tokenizer->pad_id(), examples, windows, o.version, o.answers, o.batch_size);
  out.bookkeeping_seconds += windowing;
  return out;
}

}  // namespace pare
