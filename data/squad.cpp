#include "data/squad.h"

#include <algorithm>
#include <set>

#include "runtime/error.h"
#include "runtime/io/json_file.h"    // read_json_file
#include "runtime/io/json_reader.h"  // JsonReader

namespace pare {
namespace {

using nlohmann::json;

// Byte offset of every code point of valid UTF-8 `text`, and text.size() at the end.
std::vector<std::size_t> code_point_offsets(const std::string& text) {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) out.push_back(i);
  }
  out.push_back(text.size());
  return out;
}

std::size_t code_points(const std::string& text) { return code_point_offsets(text).size() - 1; }

// A list member of `r`, checked to be one.
const json& list_of(const JsonReader& r, const char* key) {
  const json& list = r.at(key);
  r.check(list.is_array(), key, "must be a list");
  return list;
}

SquadExample read_question(const JsonReader& qa, const std::string& context, const std::vector<std::size_t>& offsets,
                           SquadVersion version) {
  SquadExample e;
  e.id = qa.required<std::string>("id");
  e.question = qa.required<std::string>("question");
  e.context = context;
  const std::string named = qa.source() + ": question \"" + e.id + "\"";
  const bool impossible = version == SquadVersion::v2_0 && qa.get<bool>("is_impossible", false);
  qa.skip("plausible_answers");
  const json& answers = qa.has("answers") ? list_of(qa, "answers") : json::array();
  PARE_CHECK(!(impossible && !answers.empty()), named, ": field \"", qa.where("answers"),
             "\" must be empty for a question marked is_impossible");
  PARE_CHECK(impossible || !answers.empty() || version == SquadVersion::v2_0, named, ": field \"", qa.where("answers"),
             "\" is empty; SQuAD v1.1 has an answer for every question (v2.0 files are read with ", "--task squad_v2)");
  const std::size_t length = offsets.size() - 1;
  for (std::size_t i = 0; i < answers.size(); ++i) {
    const JsonReader a(answers[i], qa.source(), qa.where("answers") + "[" + std::to_string(i) + "]",
                       UnknownKeys::allow);
    SquadAnswer answer;
    answer.text = a.required<std::string>("text");
    const auto start = static_cast<std::size_t>(a.required<std::int64_t>("answer_start", {.min = 0}));
    const std::size_t chars = code_points(answer.text);
    PARE_CHECK(start + chars <= length, named, ": field \"", a.where("answer_start"), "\" is ", start,
               " but the answer (", chars, " characters) would end past the context's ", length, " characters");
    answer.start = offsets[start];
    const std::string there = context.substr(answer.start, offsets[start + chars] - answer.start);
    PARE_CHECK(there == answer.text, named, ": field \"", a.where("text"), "\" is \"", answer.text,
               "\" but the context at answer_start ", start, " reads \"", there, "\"");
    e.answers.push_back(std::move(answer));
  }
  return e;
}

}  // namespace

std::vector<SquadExample> read_squad_file(const std::filesystem::path& path, SquadVersion version) {
  const json root = read_json_file(path, "SQuAD file");
  const JsonReader r(root, path.string(), "", UnknownKeys::allow);
  std::vector<SquadExample> out;
  std::set<std::string> ids;
  const json& data = list_of(r, "data");
  for (std::size_t d = 0; d < data.size(); ++d) {
    const JsonReader article(data[d], path.string(), "data[" + std::to_string(d) + "]", UnknownKeys::allow);
    const json& paragraphs = list_of(article, "paragraphs");
    for (std::size_t p = 0; p < paragraphs.size(); ++p) {
      const JsonReader paragraph(paragraphs[p], path.string(),
                                 article.where("paragraphs") + "[" + std::to_string(p) + "]", UnknownKeys::allow);
      const std::string context = paragraph.required<std::string>("context");
      const std::vector<std::size_t> offsets = code_point_offsets(context);
      const json& qas = list_of(paragraph, "qas");
      for (std::size_t q = 0; q < qas.size(); ++q) {
        const JsonReader qa(qas[q], path.string(), paragraph.where("qas") + "[" + std::to_string(q) + "]",
                            UnknownKeys::allow);
        SquadExample e = read_question(qa, context, offsets, version);
        PARE_CHECK(ids.insert(e.id).second, path.string(), ": question \"", e.id, "\" (", qa.where("id"),
                   ") appears twice");
        out.push_back(std::move(e));
      }
    }
  }
  PARE_CHECK(!out.empty(), path.string(), ": no questions (field \"data\" holds no paragraphs with qas)");
  return out;
}

std::vector<SquadExample> evenly_spaced(std::vector<SquadExample> examples, std::size_t max) {
  if (max == 0 || examples.size() <= max) return examples;
  std::vector<SquadExample> out;
  out.reserve(max);
  for (std::size_t i = 0; i < max; ++i) out.push_back(std::move(examples[i * examples.size() / max]));
  return out;
}

std::vector<SquadQuestion> squad_questions(const std::vector<SquadExample>& examples) {
  std::vector<SquadQuestion> out;
  out.reserve(examples.size());
  for (const SquadExample& e : examples) {
    SquadQuestion q{e.id, {}};
    for (const SquadAnswer& a : e.answers) q.answers.push_back(a.text);
    out.push_back(std::move(q));
  }
  return out;
}

void check_squad_window_options(const SquadWindowOptions& o) {
  PARE_CHECK(o.max_length > o.max_query_length + 3, "--seq ", o.max_length,
             " leaves no room for the context after a question of up to --max-query-length ", o.max_query_length,
             " tokens and 3 special tokens");
  const std::size_t least_room = o.max_length - o.max_query_length - 3;
  PARE_CHECK(o.doc_stride < least_room, "--doc-stride ", o.doc_stride,
             " must be below the context tokens a window holds (", least_room, " at --seq ", o.max_length,
             " with --max-query-length ", o.max_query_length, "): consecutive windows share doc_stride tokens");
}

std::vector<SquadWindow> squad_windows(const Tokenizer& tokenizer, const std::vector<SquadExample>& examples,
                                       const SquadWindowOptions& o) {
  check_squad_window_options(o);
  const std::int64_t cls = tokenizer.cls_id(), sep = tokenizer.sep_id();
  std::vector<SquadWindow> out;
  for (std::size_t i = 0; i < examples.size(); ++i) {
    const SquadExample& e = examples[i];
    std::vector<std::int64_t> question = tokenizer.encode(e.question);
    if (question.size() > o.max_query_length) question.resize(o.max_query_length);
    const TokenOffsets context = tokenizer.encode_with_offsets(e.context);
    const std::size_t n = context.ids.size();
    const std::size_t room = o.max_length - question.size() - 3;
    for (std::size_t start = 0;; start += room - o.doc_stride) {
      const std::size_t length = std::min(room, n - start);
      SquadWindow w;
      w.example = i;
      w.input_ids.push_back(cls);
      w.input_ids.insert(w.input_ids.end(), question.begin(), question.end());
      w.input_ids.push_back(sep);
      w.token_type_ids.assign(w.input_ids.size(), 0);
      w.context_offsets.assign(w.input_ids.size(), std::nullopt);
      const std::size_t first = w.input_ids.size();
      for (std::size_t t = start; t < start + length; ++t) {
        w.input_ids.push_back(context.ids[t]);
        w.context_offsets.emplace_back(context.offsets[t]);
      }
      w.input_ids.push_back(sep);
      w.context_offsets.emplace_back(std::nullopt);
      w.token_type_ids.resize(w.input_ids.size(), 1);
      if (!e.answers.empty() && length > 0) {
        // The first answer, as run_qa trains on it: inside this part of the context, or [CLS].
        const std::size_t begin = e.answers.front().start, end = begin + e.answers.front().text.size();
        const std::size_t last = first + length - 1;
        if (w.context_offsets[first]->first <= begin && w.context_offsets[last]->second >= end) {
          std::size_t s = first;
          while (s + 1 <= last && w.context_offsets[s + 1]->first <= begin) ++s;
          std::size_t t = first;
          while (t < last && w.context_offsets[t]->second < end) ++t;
          w.start_position = static_cast<std::int64_t>(s);
          w.end_position = static_cast<std::int64_t>(t);
        }
      }
      out.push_back(std::move(w));
      if (start + length >= n) break;
    }
  }
  return out;
}

}  // namespace pare
