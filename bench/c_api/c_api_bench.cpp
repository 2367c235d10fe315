// What the C API costs over the runtime: pare_classify of a batch of texts against `pare bench`'s
// inference step of the same model, batch and sequence length (run_model_benchmark: the encoder on
// random ids, weights packed once), in one process, rounds alternating so that a slow moment of the
// machine hits all. Each text gives exactly --seq tokens, so all run the same shapes.
// pare_classify_ids (the texts encoded once beforehand) is the API's cost over the forward (plus the
// classifier head); pare_classify adds tokenizing, which it spreads over the call's threads, and
// pare_tokenize's time for the whole batch on one thread is reported beside it. Threads: as found.
//
// Usage: pare_c_api_bench --model DIR [--batches 1,32] [--seq 64] [--rounds 5] [--steps 20]
// Prints the process's resident memory before and after loading the model through the C API (and
// after its first call, which packs the weights), then a markdown table: the medians over rounds of
// each round's median step.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

#include "models/checkpoint.h"  // load_pretrained
#include "pare/pare.h"
#include "train/model_benchmark.h"

namespace pare {
namespace {

struct Args {
  std::string model;
  std::vector<std::int64_t> batches = {1, 32};
  std::int64_t seq = 64;
  int rounds = 5;
  int steps = 20;
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

template <typename Step>
double median_ms(int warmup, int steps, Step step) {
  for (int i = 0; i < warmup; ++i) step();
  std::vector<double> times;
  for (int i = 0; i < steps; ++i) {
    const auto start = std::chrono::steady_clock::now();
    step();
    times.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
  }
  return median(times);
}

// The process's resident memory now (VmRSS), in MiB.
double resident_mib() {
  std::FILE* status = std::fopen("/proc/self/status", "r");
  if (status == nullptr) return 0;
  char line[256];
  double kib = 0;
  while (std::fgets(line, sizeof line, status) != nullptr) {
    if (std::sscanf(line, "VmRSS: %lf kB", &kib) == 1) break;
  }
  std::fclose(status);
  return kib / 1024.0;
}

void check(int status) {
  if (status != PARE_OK) throw std::runtime_error(pare_last_error());
}

int run(const Args& args) {
  pare_model_options options = pare_model_default_options();
  options.max_tokens = static_cast<std::size_t>(args.seq);
  pare_model* model = nullptr;
  const double before = resident_mib();
  check(pare_model_load_with_options(args.model.c_str(), &options, &model));
  const double loaded = resident_mib();

  // Words added until the text gives --seq tokens (truncation makes the last word fit exactly): a
  // text as long as the model reads, not longer.
  std::string text;
  const char* words[] = {"the", "model", "reads", "a", "long", "sentence", "about", "pruning", "and", "speed"};
  std::size_t count = 0;
  std::vector<std::int32_t> ids(static_cast<std::size_t>(args.seq) + 1);
  for (std::int64_t i = 0; count < static_cast<std::size_t>(args.seq); ++i) {
    if (i > 4 * args.seq) throw std::runtime_error("the text does not reach --seq tokens");
    text += std::string(words[i % 10]) + " ";
    check(pare_tokenize(model, text.c_str(), nullptr, ids.data(), ids.size(), &count));
  }
  {
    const char* one = text.c_str();
    std::vector<float> logits(std::max<std::size_t>(1, pare_model_num_labels(model)));
    check(pare_classify(model, &one, nullptr, 1, logits.data()));
  }
  std::printf("resident memory: %.1f MiB before pare_model_load, %.1f after it, %.1f after a first pare_classify\n",
              before, loaded, resident_mib());

  const auto bench_model = load_pretrained(args.model).model;
  bench_model->eval();
  std::printf("model %s, seq %lld, %d rounds of %d steps; threads as found\n\n", args.model.c_str(),
              static_cast<long long>(args.seq), args.rounds, args.steps);
  std::printf(
      "| batch | pare bench infer | pare_classify_ids | ids / bench | pare_classify (texts) | texts / bench | "
      "pare_tokenize of the batch, one thread |\n");
  std::printf("| --- | --- | --- | --- | --- | --- | --- |\n");
  for (std::int64_t batch : args.batches) {
    const std::vector<std::string> texts(static_cast<std::size_t>(batch), text);
    std::vector<const char*> pointers;
    for (const std::string& t : texts) pointers.push_back(t.c_str());
    std::vector<float> logits(static_cast<std::size_t>(batch) * std::max<std::size_t>(1, pare_model_num_labels(model)));
    // The same sequences encoded once, for pare_classify_ids.
    std::vector<std::int32_t> all_ids, all_types;
    std::vector<std::size_t> lengths;
    for (const char* t : pointers) {
      std::vector<std::int32_t> one(ids.size()), types(ids.size());
      check(pare_encode(model, t, nullptr, one.data(), types.data(), one.size(), &count));
      all_ids.insert(all_ids.end(), one.begin(), one.begin() + static_cast<std::ptrdiff_t>(count));
      all_types.insert(all_types.end(), types.begin(), types.begin() + static_cast<std::ptrdiff_t>(count));
      lengths.push_back(count);
    }
    std::vector<double> bench_ms, ids_ms, classify_ms, tokenize_ms;
    for (int round = 0; round < args.rounds; ++round) {
      ModelBenchmarkOptions bench;
      bench.batch = batch;
      bench.seq = args.seq;
      bench.steps = args.steps;
      bench_ms.push_back(run_model_benchmark(*bench_model, bench, args.model).ms_per_step);
      ids_ms.push_back(median_ms(2, args.steps, [&] {
        check(
            pare_classify_ids(model, all_ids.data(), all_types.data(), lengths.data(), lengths.size(), logits.data()));
      }));
      classify_ms.push_back(median_ms(2, args.steps, [&] {
        check(pare_classify(model, pointers.data(), nullptr, pointers.size(), logits.data()));
      }));
      tokenize_ms.push_back(median_ms(2, args.steps, [&] {
        for (const char* t : pointers) check(pare_tokenize(model, t, nullptr, ids.data(), ids.size(), &count));
      }));
    }
    const double b = median(bench_ms), i = median(ids_ms), c = median(classify_ms);
    std::printf("| %lld | %.3f ms | %.3f ms | %.3f | %.3f ms | %.3f | %.3f ms |\n", static_cast<long long>(batch), b, i,
                i / b, c, c / b, median(tokenize_ms));
  }
  pare_model_free(model);
  return 0;
}

std::vector<std::int64_t> parse_list(const std::string& text) {
  std::vector<std::int64_t> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = text.find(',', start);
    out.push_back(std::stoll(text.substr(start, comma - start)));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

}  // namespace
}  // namespace pare

int main(int argc, char** argv) {
  pare::Args args;
  try {
    for (int i = 1; i < argc; ++i) {
      const std::string flag = argv[i];
      if (i + 1 >= argc) throw std::invalid_argument(flag + " needs a value");
      const std::string value = argv[++i];
      if (flag == "--model")
        args.model = value;
      else if (flag == "--batches")
        args.batches = pare::parse_list(value);
      else if (flag == "--seq")
        args.seq = std::stoll(value);
      else if (flag == "--rounds")
        args.rounds = std::stoi(value);
      else if (flag == "--steps")
        args.steps = std::stoi(value);
      else
        throw std::invalid_argument("unknown flag " + flag);
    }
    if (args.model.empty()) throw std::invalid_argument("--model DIR is required");
    if (args.seq < 3 || args.rounds < 1 || args.steps < 1)
      throw std::invalid_argument("--seq >= 3, --rounds and --steps >= 1");
    return pare::run(args);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "pare_c_api_bench: %s\n", e.what());
    return 2;
  }
}
