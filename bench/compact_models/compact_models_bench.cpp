// Inference time of compact (pruned) models against their teacher, as a user runs them: batch 1, 8
// and 32 at one and two OpenMP threads, in the environment as found, weights packed once (as `pare
// bench --mode infer` and the report of `pare run` time them). Two families:
//   mini: the shapes of the default `pare run` on Brown (BERT-mini, vocabulary 8000, 64 tokens): the
//         teacher, then the heads, FFN and hidden stages' compact shapes (read from the run's
//         config.json files; 5 of 16 heads, FFN widths following the heads, hidden 256 -> 192);
//   base: BERT-base at 128 tokens, with 50% of the heads, 60% of the FFN units, and both removed.
// Models are built here with random weights: speed does not depend on the values. Rounds alternate
// every model and setting so that a slow moment of the machine hits all of them; each cell is the
// median over rounds of each run's median step. Each compact model's time is also set against the
// teacher's scaled by their FLOP ratio (the FLOP-cut prediction, at batch 32).
//
// Usage: pare_compact_models_bench [--family mini|base|all] [--rounds N] [--batches LIST]
// (batches 1,8,32 for mini and 1,8 for base unless --batches gives them: BERT-base at batch 32 on
// one thread takes seconds a step).
// Prints a markdown table; README.md's batch-1 table comes from it.
#include <omp.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "models/bert_heads.h"  // make_bert_model
#include "models/bert_sizes.h"  // named_bert_config
#include "prune/model_size.h"   // measure_model
#include "train/model_benchmark.h"

namespace pare {
namespace {

struct Variant {
  std::string name;
  BertConfig config;
};

struct Family {
  std::string name;
  std::int64_t seq;
  std::vector<std::int64_t> batches;
  std::vector<Variant> variants;  // the teacher first
};

BertConfig with_layers(BertConfig c, const std::vector<std::int64_t>& heads, const std::vector<std::int64_t>& ffn) {
  const std::int64_t head_dim = c.hidden_size / c.num_attention_heads;
  c.layer_shapes.clear();
  for (std::size_t l = 0; l < heads.size(); ++l) c.layer_shapes.push_back({heads[l], head_dim, ffn[l]});
  return c;
}

// The default run's shapes (pipeline/recipes/default.json on Brown, the run of 2026-12-07): its
// heads stage kept 1, 1, 2, 1 heads; the FFN stage, following the heads, widths 128, 128, 256, 128
// of 1024; the hidden stage 192 of 256 dimensions.
Family mini_family() {
  BertConfig teacher = named_bert_config("mini");
  teacher.vocab_size = 8000;
  teacher.reset_layer_shapes();
  const std::vector<std::int64_t> heads{1, 1, 2, 1}, full{1024, 1024, 1024, 1024}, ffn{128, 128, 256, 128};
  BertConfig hidden = with_layers(teacher, heads, ffn);
  hidden.pare_layer_norm_size = teacher.hidden_size;
  hidden.hidden_size = 192;
  return {"mini",
          64,
          {1, 8, 32},
          {{"teacher (BERT-mini)", teacher},
           {"heads stage", with_layers(teacher, heads, full)},
           {"FFN stage", with_layers(teacher, heads, ffn)},
           {"hidden stage (final)", hidden}}};
}

Family base_family() {
  BertConfig dense = named_bert_config("base");
  dense.reset_layer_shapes();
  const std::vector<std::int64_t> six(12, 6), twelve(12, 12), ffn40(12, 1229), ffn100(12, 3072);
  return {"base",
          128,
          {1, 8},
          {{"BERT-base", dense},
           {"heads 50%", with_layers(dense, six, ffn100)},
           {"FFN 60%", with_layers(dense, twelve, ffn40)},
           {"both", with_layers(dense, six, ffn40)}}};
}

struct Setting {
  std::int64_t batch;
  int threads;
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

std::string fixed(double v, int digits) {
  char buffer[48];
  std::snprintf(buffer, sizeof buffer, "%.*f", digits, v);
  return buffer;
}

void run_family(const Family& family, int rounds) {
  const std::vector<std::int64_t>& batches = family.batches;
  std::vector<std::shared_ptr<BertTaskModel>> models;
  std::vector<double> flops;
  for (const Variant& v : family.variants) {
    models.push_back(make_bert_model(v.config, BertTask::base, 1));
    models.back()->eval();
    flops.push_back(measure_model(v.config, BertTask::base, family.seq).flops_per_token);
  }
  std::vector<Setting> settings;
  for (std::int64_t b : batches) {
    for (int t : {1, 2}) settings.push_back({b, t});
  }
  // times[setting][model]: one median step per round.
  std::vector<std::vector<std::vector<double>>> times(settings.size(), std::vector<std::vector<double>>(models.size()));
  for (int round = 0; round < rounds; ++round) {
    for (std::size_t s = 0; s < settings.size(); ++s) {
      for (std::size_t m = 0; m < models.size(); ++m) {
        ModelBenchmarkOptions o;
        o.mode = BenchMode::infer;
        o.batch = settings[s].batch;
        o.seq = family.seq;
        o.threads = settings[s].threads;
        // About 0.3 s of steps for the teacher, at least 3.
        const double flop_per_step = flops[m] * static_cast<double>(o.batch * o.seq);
        o.steps = std::clamp<std::int64_t>(static_cast<std::int64_t>(3e10 / flop_per_step), 3, 60);
        o.warmup = 2;
        o.seed = static_cast<std::uint64_t>(round);
        times[s][m].push_back(run_model_benchmark(*models[m], o, family.variants[m].name).ms_per_step);
      }
    }
    std::cerr << family.name << ": round " << round + 1 << " of " << rounds << " done\n";
  }

  std::cout << "\n### " << family.name << " (" << family.seq << " tokens; ms per batch, median of " << rounds
            << " rounds; in brackets: speed-up over the teacher)\n\n| model | FLOPs of teacher |";
  for (const Setting& s : settings) std::cout << " b" << s.batch << " t" << s.threads << " |";
  std::cout << " b" << batches.back() << " t2 against FLOP-cut prediction |\n|---|---|";
  for (std::size_t s = 0; s <= settings.size(); ++s) std::cout << "---|";
  std::cout << "\n";
  const std::size_t last = settings.size() - 1;  // the largest batch at two threads
  for (std::size_t m = 0; m < models.size(); ++m) {
    std::cout << "| " << family.variants[m].name << " | " << fixed(100 * flops[m] / flops[0], 1) << "% |";
    for (std::size_t s = 0; s < settings.size(); ++s) {
      const double ms = median(times[s][m]), teacher = median(times[s][0]);
      std::cout << " " << fixed(ms, ms < 10 ? 2 : 1);
      if (m > 0) std::cout << " (" << fixed(teacher / ms, 2) << "x)";
      std::cout << " |";
    }
    const double predicted = median(times[last][0]) * flops[m] / flops[0];
    std::cout << " " << (m == 0 ? std::string("-") : fixed(100 * (median(times[last][m]) / predicted - 1), 0) + "%")
              << " |\n";
  }
}

constexpr const char* kUsage =
    "usage: pare_compact_models_bench [--family mini|base|all] [--rounds N] [--batches LIST]";
constexpr std::int64_t kMaxRounds = 1000;
constexpr std::int64_t kMaxBatch = 1024;  // BERT-base at 128 tokens: about 6 GB of activations

// `text` as a whole number in [1, most]; throws std::invalid_argument naming `option` otherwise.
std::int64_t positive_number(const std::string& option, const std::string& text, std::int64_t most) {
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < 1 || value > most) {
    throw std::invalid_argument(option + " takes whole numbers from 1 to " + std::to_string(most) + ", got \"" + text +
                                "\"");
  }
  return value;
}

std::vector<std::int64_t> parse_batches(const std::string& list) {
  std::vector<std::int64_t> out;
  std::stringstream in(list);
  for (std::string item; std::getline(in, item, ',');) out.push_back(positive_number("--batches", item, kMaxBatch));
  if (out.empty()) throw std::invalid_argument("--batches takes a comma-separated list, got \"" + list + "\"");
  return out;
}

// Runs the benchmark the arguments ask for; throws std::invalid_argument on a bad argument.
void run(int argc, char** argv) {
  std::string family = "all", batches;
  std::int64_t rounds = 5;
  for (int i = 1; i < argc; i += 2) {
    const std::string key = argv[i];
    if (key != "--family" && key != "--rounds" && key != "--batches") {
      throw std::invalid_argument("unknown option \"" + key + "\"");
    }
    if (i + 1 >= argc) throw std::invalid_argument(key + " needs a value");
    const std::string value = argv[i + 1];
    if (key == "--family") {
      if (value != "mini" && value != "base" && value != "all") {
        throw std::invalid_argument("--family takes mini, base or all, got \"" + value + "\"");
      }
      family = value;
    } else if (key == "--rounds") {
      rounds = positive_number(key, value, kMaxRounds);
    } else {
      batches = value;
      parse_batches(batches);  // refused before any model is built
    }
  }
  std::cout << "OpenMP threads as found: " << omp_get_max_threads()
            << "; OMP_WAIT_POLICY=" << (std::getenv("OMP_WAIT_POLICY") ? std::getenv("OMP_WAIT_POLICY") : "(unset)")
            << "\n";
  for (Family f : {mini_family(), base_family()}) {
    if (family != f.name && family != "all") continue;
    if (!batches.empty()) f.batches = parse_batches(batches);
    run_family(f, static_cast<int>(rounds));
  }
}

}  // namespace
}  // namespace pare

int main(int argc, char** argv) {
  try {
    pare::run(argc, argv);
  } catch (const std::invalid_argument& e) {
    std::cerr << "pare_compact_models_bench: " << e.what() << "\n" << pare::kUsage << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "pare_compact_models_bench: error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
