#include "capi/model_handle.h"

#include <omp.h>

#include <filesystem>
#include <system_error>

#include "capi/api_error.h"
#include "models/checkpoint.h"  // load_pretrained
#include "runtime/error.h"
#include "runtime/storage.h"  // release_cached_cpu_memory

namespace pare::capi {
namespace {

constexpr std::size_t kDefaultMaxBatch = 32;

ApiError model_error(const std::string& dir, const std::string& what) {
  return ApiError(PARE_ERROR_MODEL, "pare_model_load: " + dir + ": " + what);
}

bool has_classifier(BertTask task) {
  return task == BertTask::sequence_classification || task == BertTask::token_classification;
}

}  // namespace

std::unique_ptr<pare_model> load_model(const std::string& dir, const pare_model_options& options) {
  const char* fn = "pare_model_load";
  if (options.num_threads < 0) {
    throw ApiError(PARE_ERROR_ARGUMENT, std::string(fn) + ": options.num_threads is " +
                                            std::to_string(options.num_threads) + "; it must be 0 (default) or more");
  }
  if (options.pooling != PARE_POOLING_MEAN && options.pooling != PARE_POOLING_CLS) {
    throw ApiError(PARE_ERROR_ARGUMENT, std::string(fn) + ": options.pooling is " +
                                            std::to_string(static_cast<int>(options.pooling)) +
                                            "; it must be PARE_POOLING_MEAN (0) or PARE_POOLING_CLS (1)");
  }
  if (options.max_tokens != 0 && options.max_tokens < 3) {
    throw ApiError(PARE_ERROR_ARGUMENT,
                   std::string(fn) + ": options.max_tokens is " + std::to_string(options.max_tokens) +
                       "; it must be 0 (the model's positions) or at least 3 ([CLS] a [SEP] b [SEP])");
  }
  std::error_code error;
  if (!std::filesystem::is_directory(dir, error)) {
    throw model_error(dir, std::filesystem::exists(dir, error) ? "not a directory" : "no such directory");
  }

  auto handle = std::make_unique<pare_model>();
  handle->dir = dir;
  try {
    LoadedBert loaded = load_pretrained(dir);
    handle->model = std::move(loaded.model);
    handle->tokenizer = load_tokenizer(dir);
    if (has_classifier(handle->model->task()) && !loaded.report.initialised.empty()) {
      // Its outputs would come from random weights.
      std::string names;
      for (const std::string& name : loaded.report.initialised) names += (names.empty() ? "" : ", ") + name;
      throw model_error(dir, loaded.report.source + " lacks the classifier's weights (" + names + ")");
    }
  } catch (const ApiError&) {
    throw;
  } catch (const Error& e) {
    throw model_error(dir, e.what());
  }
  handle->model->eval();

  const BertConfig& config = handle->model->config();
  if (has_classifier(handle->model->task())) {
    for (const auto& [id, label] : config.id2label) handle->labels.push_back(label);
  }
  const auto positions = static_cast<std::size_t>(config.max_position_embeddings);
  if (options.max_tokens > positions) {
    throw ApiError(PARE_ERROR_ARGUMENT, std::string(fn) + ": options.max_tokens is " +
                                            std::to_string(options.max_tokens) + " but " + dir +
                                            " has only max_position_embeddings = " + std::to_string(positions));
  }
  handle->max_tokens = options.max_tokens == 0 ? positions : options.max_tokens;
  if (handle->max_tokens < 3) {
    throw model_error(dir, "max_position_embeddings = " + std::to_string(positions) +
                               " leaves no room for [CLS] text [SEP] [pair [SEP]]");
  }
  handle->max_batch = options.max_batch == 0 ? kDefaultMaxBatch : options.max_batch;
  handle->num_threads = options.num_threads == 0 ? omp_get_max_threads() : options.num_threads;
  handle->pooling = options.pooling;
  handle->derived_weights = ParameterCache::make_store(handle->model->parameters());
  // Loading freed as much as the weights take (the random initial weights, what was read): into the
  // CPU allocator's cache, which would hold it for the life of the program.
  release_cached_cpu_memory();
  return handle;
}

}  // namespace pare::capi
