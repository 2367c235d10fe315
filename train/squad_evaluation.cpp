#include "train/squad_evaluation.h"

#include <algorithm>
#include <chrono>

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

std::vector<SquadExample> evenly_spaced_examples(std::vector<SquadExample> all, std::size_t max) {
  if (max == 0 || all.size() <= max) return all;
  std::vector<SquadExample> out;
  for (std::size_t i = 0; i < max; ++i) out.push_back(std::move(all[i * all.size() / max]));
  return out;
}

}  // namespace

SquadEvaluation evaluate_squad(const SquadEvaluateOptions& o) {
  // The data first: a malformed file fails before any model work.
  const std::vector<SquadExample> examples = evenly_spaced_examples(read_squad_file(o.file, o.version), o.max_examples);
  LoadedBert loaded = load_pretrained(o.model_dir);
  PARE_CHECK(loaded.model->task() == BertTask::question_answering, o.model_dir.string(), " is a ",
             architecture_name(loaded.model->task()), "; SQuAD needs a BertForQuestionAnswering model");
  PARE_CHECK(loaded.report.initialised.empty(), o.model_dir.string(), ": ", loaded.report.summary(),
             "\nan evaluation of freshly initialised weights would score noise; fine-tune the model first");
  PARE_CHECK(o.windows.max_length <= static_cast<std::size_t>(loaded.model->config().max_position_embeddings), "--seq ",
             o.windows.max_length, " exceeds ", o.model_dir.string(), "'s max_position_embeddings ",
             loaded.model->config().max_position_embeddings);
  BertTaskModel& model = *loaded.model;
  model.to(o.device);
  model.eval();
  const std::unique_ptr<Tokenizer> tokenizer = load_tokenizer(o.model_dir);

  SquadEvaluation out;
  auto start = Clock::now();
  const std::vector<SquadWindow> windows = squad_windows(*tokenizer, examples, o.windows);
  out.bookkeeping_seconds += seconds_since(start);
  out.windows = windows.size();

  start = Clock::now();
  std::vector<std::vector<float>> start_logits(windows.size()), end_logits(windows.size());
  {
    const NoGradGuard no_grad;
    const ParameterCache weights(model.parameters());
    for (std::size_t begin = 0; begin < windows.size(); begin += o.batch_size) {
      const std::size_t end = std::min(windows.size(), begin + o.batch_size);
      const BertOutputs outputs = model.forward(batch_of(windows, begin, end, tokenizer->pad_id(), o.device));
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
      squad_predictions(examples, windows, start_logits, end_logits, o.version, o.answers);
  std::map<std::string, std::string> texts;
  std::map<std::string, double> no_answer;
  for (std::size_t i = 0; i < examples.size(); ++i) {
    out.predictions.emplace_back(examples[i].id, predicted[i].text);
    texts.emplace(examples[i].id, predicted[i].text);
    no_answer.emplace(examples[i].id, predicted[i].no_answer_score);
  }
  const std::vector<SquadQuestion> questions = squad_questions(examples);
  if (o.version == SquadVersion::v1_1) {
    const SquadScores s = squad_v1_scores(questions, texts);
    out.metrics = {{"exact_match", s.exact_match}, {"f1", s.f1}};
  } else {
    // Every prediction already says "" where its no-answer score passed the threshold, so it is
    // scored as given (threshold above every score); the no-answer scores pick the best thresholds.
    const SquadScores s = squad_v2_scores(questions, texts, no_answer, std::numeric_limits<double>::infinity());
    out.metrics = {{"exact_match", s.exact_match}, {"f1", s.f1}};
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

}  // namespace pare
