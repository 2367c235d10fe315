// Hugging Face model directories: load config.json with model.safetensors, a sharded
// model.safetensors.index.json or pytorch_model.bin into a BertTaskModel, and save one back as
// config.json + model.safetensors that transformers loads unchanged (for unpruned models).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "models/bert_heads.h"
#include "runtime/named_tensors.h"  // StateDict

namespace pare {

// The weights of a directory as stored (names unchanged, dtypes as stored, zero-element tensors
// left out) and the file(s) they came from. Tries model.safetensors, then
// model.safetensors.index.json, then pytorch_model.bin.
struct CheckpointTensors {
  StateDict tensors;
  std::string source;
};
CheckpointTensors read_checkpoint_tensors(const std::filesystem::path& dir);

struct CheckpointLoadReport {
  std::string source;                    // the weight file(s) read
  std::vector<std::string> initialised;  // head or pooler weights the checkpoint lacks, freshly initialised
  std::vector<std::string> unexpected;   // checkpoint tensors the model does not hold, ignored
  std::vector<std::string> renamed;      // "old -> new" for legacy names (gamma/beta) and prefixes
  // One line per non-empty list, for logs.
  std::string summary() const;
};

struct LoadOptions {
  std::optional<BertTask> task;            // default: from config.json's "architectures"
  std::optional<std::int64_t> num_labels;  // overrides config.json's labels (a new head)
  // The labels' names in id order, written as config.json's id2label (else LABEL_i); with num_labels.
  std::vector<std::string> label_names;
  std::optional<std::string> problem_type;
  std::uint64_t seed = 0;  // initialises missing head weights and seeds dropout
  // Leaves the checkpoint's task head out (classifier.*, cls.*: whatever is not the encoder,
  // embeddings or pooler), so a fresh one is initialised: a model fine-tuned on another task.
  bool new_head = false;
};

struct LoadedBert {
  std::shared_ptr<BertTaskModel> model;
  CheckpointLoadReport report;
};

// Names with or without "bert.", legacy LayerNorm.gamma/beta, the tied decoder weight, HF's
// pruned_heads form and f16/bf16 weights (converted to f32) are all accepted, and so are other heads'
// tensors (cls.*, classifier.*) and a pooler the model has no place for, reported as ignored.
// Missing encoder or embedding weights, embedding or encoder weights config.json does not account
// for (a layer past num_hidden_layers, heads or FFN units a layer's shape lacks), shapes that disagree
// with config.json and unreadable files throw pare::Error naming the file, the tensor, its shape and
// the config.json fields (models/weight_fit.h).
LoadedBert load_pretrained(const std::filesystem::path& dir, const LoadOptions& options = {});

// Maps checkpoint names onto `model`'s names and loads them (non-strict), filling `report`. The
// part of load_pretrained that works on tensors already in memory.
void load_checkpoint_tensors(BertTaskModel& model, const StateDict& tensors, const std::string& source,
                             CheckpointLoadReport& report);

// The check load_pretrained makes of the weights against config.json, from the safetensors headers
// alone (pytorch_model.bin is read whole), for `pare inspect`: throws as load_pretrained would.
void check_checkpoint_fits_config(const std::filesystem::path& dir);

// Which weights a model directory gets: the parameters as stored (a training checkpoint, which
// must resume exactly), or as the forward pass reads them, parameter transforms such as pruning
// masks applied (a model directory for use).
enum class WeightView { stored, as_forward };

// The tensors save_pretrained writes, in the model's order, with HF's names: the tied decoder
// appears once, as the word embeddings and cls.predictions.bias, as transformers saves it.
NamedTensors hf_state_dict(const BertTaskModel& model, WeightView view = WeightView::stored);

// Writes dir/model.safetensors then dir/config.json, each atomically; creates dir if needed.
// config.json's "architectures" names the model's task.
void save_pretrained(const BertTaskModel& model, const std::filesystem::path& dir,
                     WeightView view = WeightView::stored);

}  // namespace pare
