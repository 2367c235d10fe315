// pare selftest: checks an installed build end to end in a few seconds: autograd against finite
// differences through a small attention block, a short deterministic training run, a safetensors
// round trip of model and optimizer state, the same training on the host-guarded device against the CPU,
// and a CUDA round trip when a device is present.
#include <omp.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <iostream>
#include <string>

#include "cli/commands.h"
#include "kernels/blas_info.h"  // blas_description
#include "runtime/backends.h"   // find_backend
#include "runtime/gradcheck.h"
#include "runtime/io/safetensors.h"
#include "runtime/nn/linear.h"
#include "runtime/ops.h"
#include "runtime/optim/adamw.h"
#include "runtime/optim/clip_grad.h"
#include "runtime/optim/lr_schedule.h"
#include "runtime/transfer.h"  // transfer_stats, reset_transfer_stats

namespace pare::cli {
namespace {

// An attention block small enough for finite differences over every parameter element.
GradcheckResult check_attention_block_gradients() {
  Generator gen(3);
  auto param = [&gen](const Shape& shape, float std) { return Tensor::randn(shape, gen, 0.0f, std).requires_grad_(); };
  const std::int64_t batch = 2, seq = 3, hidden = 6, heads = 2;
  std::vector<Tensor> inputs = {param({batch, seq, hidden}, 1.0f),
                                param({3 * hidden, hidden}, 0.4f),
                                param({3 * hidden}, 0.1f),
                                param({hidden}, 0.3f),
                                param({hidden}, 0.1f),
                                param({4, hidden}, 0.5f)};
  inputs[3] = add_scalar(inputs[3].detach(), 1.0).requires_grad_();
  const Tensor padding = Tensor::from_vector<std::int64_t>({1, 1, 1, 1, 1, 0}, {batch, seq});
  const Tensor targets = Tensor::from_vector<std::int64_t>({0, 3, 1, 2, 0, -100}, {batch * seq});
  auto block = [&](const std::vector<Tensor>& in) {
    const Tensor qkv = gelu(linear(in[0], in[1], in[2]));
    auto split_heads = [&](std::int64_t part) {
      return qkv.slice(2, part * hidden, (part + 1) * hidden)
          .reshape({batch, seq, heads, hidden / heads})
          .permute({0, 2, 1, 3});
    };
    const Tensor context =
        scaled_dot_product_attention(split_heads(0), split_heads(1), split_heads(2), additive_attention_mask(padding));
    const Tensor merged = context.permute({0, 2, 1, 3}).reshape({batch * seq, hidden});
    const Tensor normed = layer_norm(add(merged, in[0].reshape({batch * seq, hidden})), in[3], in[4], 1e-5);
    return cross_entropy(linear(normed, in[5]), targets, -100, 0.1);
  };
  return check_gradients(block, inputs);
}

struct TrainingRun {
  std::vector<float> losses;
  NamedTensors parameters;
  StateDict optimizer_state;
};

// A 2-layer MLP fitting 64 points to 3 classes with AdamW, warm-up/decay and clipping, on `device`.
TrainingRun train_mlp(int steps, Device device = Device::cpu()) {
  Generator gen(7);
  Linear hidden(5, 32, gen, true, 0.3f), output(32, 3, gen, true, 0.3f);
  hidden.to(device);
  output.to(device);
  const Tensor x = Tensor::randn({64, 5}, gen).to(device);
  std::vector<std::int64_t> labels(64);
  for (std::size_t i = 0; i < labels.size(); ++i) labels[i] = static_cast<std::int64_t>(i % 3);
  const Tensor y = Tensor::from_vector(labels, {64}, device);
  NamedTensors params = hidden.named_parameters();
  for (auto& [name, p] : output.named_parameters()) params.emplace_back("output." + name, p);
  AdamW optimizer(parameter_groups_for_weight_decay(params, 0.01), 1e-2);
  const LinearWarmupDecay schedule(3e-2, steps / 10, steps);
  TrainingRun run;
  for (int step = 0; step < steps; ++step) {
    optimizer.zero_grad();
    const Tensor loss = cross_entropy(output.forward(gelu(hidden.forward(x))), y);
    loss.backward();
    std::vector<Tensor> tensors;
    for (auto& [name, p] : params) tensors.push_back(p);
    clip_grad_norm(tensors, 1.0);
    optimizer.set_lr(schedule.lr(step));
    optimizer.step();
    run.losses.push_back(static_cast<float>(loss.item()));
  }
  run.parameters = params;
  run.optimizer_state = optimizer.state_dict();
  return run;
}

std::string check_training() {
  const TrainingRun a = train_mlp(300), b = train_mlp(300);
  PARE_CHECK(a.losses.back() < 0.01f * a.losses.front(), "loss fell only from ", a.losses.front(), " to ",
             a.losses.back());
  PARE_CHECK(a.losses == b.losses, "two runs with the same seed gave different losses");
  char buf[160];
  std::snprintf(buf, sizeof buf, "MLP loss %.3f -> %.5f in 300 AdamW steps; a second run is bit-identical",
                a.losses.front(), a.losses.back());
  return buf;
}

// The same training on the host-guarded device: the plumbing of a device without needing one.
std::string check_devices() {
  constexpr int kSteps = 50;
  const TrainingRun cpu = train_mlp(kSteps);
  reset_transfer_stats();
  const TrainingRun guarded = train_mlp(kSteps, Device::guarded());
  const double reads = static_cast<double>(transfer_stats().to_host) / kSteps;
  PARE_CHECK(guarded.losses == cpu.losses, "training on the host-guarded device gave other losses than on the CPU");
  char buf[160];
  std::snprintf(buf, sizeof buf,
                "%d MLP steps on the host-guarded device equal the CPU's bit for bit, %.0f host reads per step", kSteps,
                reads);
  return buf;
}

std::string check_safetensors() {
  const TrainingRun run = train_mlp(20);
  const auto dir = std::filesystem::temp_directory_path() / ("pare-selftest-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const auto path = dir / "state.safetensors";
  NamedTensors tensors = run.parameters;
  for (const auto& [name, t] : run.optimizer_state) tensors.emplace_back("optimizer." + name, t);
  save_safetensors(path, tensors, {{"format", "pt"}});
  const SafetensorsFile file = SafetensorsFile::open(path);
  for (const auto& [name, t] : tensors) {
    PARE_CHECK(file.load(name).to_vector<double>() == t.to_vector<double>(), "tensor ", name,
               " changed in the round trip");
  }
  const std::size_t bytes = std::filesystem::file_size(path);
  std::filesystem::remove_all(dir);
  return std::to_string(tensors.size()) + " tensors (model and optimizer state, " + std::to_string(bytes) +
         " bytes) read back bit-identical";
}

std::string check_cuda() {
  const Tensor t = Tensor::randn({1000}, default_generator());
  PARE_CHECK(t.to(Device::cuda()).to(Device::cpu()).to_vector<float>() == t.to_vector<float>(),
             "a host -> device -> host copy changed the values");
  return "host -> " + Device::cuda().str() + " -> host copy is exact";
}

enum class Outcome { pass, fail, skip };

Outcome run_check(const char* name, const std::function<std::string()>& check) {
  const auto start = std::chrono::steady_clock::now();
  Outcome outcome = Outcome::pass;
  std::string detail;
  try {
    detail = check();
  } catch (const std::exception& e) {
    outcome = Outcome::fail;
    detail = e.what();
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("  [%s] %-12s %s (%.2f s)\n", outcome == Outcome::pass ? "pass" : "FAIL", name, detail.c_str(), seconds);
  return outcome;
}

int selftest() {
  std::printf("pare selftest\n");
  std::printf("  threads      %d OpenMP threads; BLAS: %s\n", omp_get_max_threads(),
              kernels::cpu::blas_description().c_str());
  const char* cuda_built = find_backend(DeviceType::cuda) != nullptr ? "compiled in" : "not compiled in";
  std::printf("  cuda         %s; %d device(s) visible\n", cuda_built, cuda_device_count());

  int failed = 0, skipped = 0, passed = 0;
  auto tally = [&](Outcome o) { (o == Outcome::pass ? passed : o == Outcome::fail ? failed : skipped)++; };
  tally(run_check("gradients", [] {
    const GradcheckResult r = check_attention_block_gradients();
    PARE_CHECK(r.ok(), r.summary());
    return std::to_string(r.checked_elements) +
           " gradient elements of linear-gelu-attention-layer_norm-cross_entropy match finite differences";
  }));
  tally(run_check("training", check_training));
  tally(run_check("devices", check_devices));
  tally(run_check("safetensors", check_safetensors));
  if (cuda_device_count() > 0) {
    tally(run_check("cuda", check_cuda));
  } else {
    std::printf("  [skip] %-12s no CUDA device present\n", "cuda");
    tally(Outcome::skip);
  }
  std::printf("selftest: %d passed, %d skipped, %d failed\n", passed, skipped, failed);
  return failed == 0 ? 0 : 1;
}

}  // namespace

void add_selftest_command(CLI::App& app) {
  CLI::App* cmd = app.add_subcommand("selftest", "Check this build: gradients, training, devices, safetensors, CUDA");
  cmd->callback([] {
    const int status = selftest();
    if (status != 0) throw CLI::RuntimeError(status);
  });
}

}  // namespace pare::cli
