// Which student layer's hidden state is compared with which teacher layer's, recomputed every step
// from the current distances, in three forms:
//   fixed  student layer s -> teacher layer s, or teacher_layers[s - 1] when a list is given;
//   nni    NNI's dynamic form: student layer s is linked to the teacher layers at or above it
//          (s .. L_t, or those of teacher_layers that are >= s) and is compared with the closest;
//   cofi   CoFi's: each chosen teacher layer (default_cofi_teacher_layers: 3, 6, 9, 12 of 12), from the top
//          down, goes to the closest student layer strictly below the previous match, so the
//          order of layers is preserved; student layers whose attention was removed entirely
//          (layer_shapes heads == 0) are never matched.
//
// Indices are those of BertOutputs::hidden_states: 0 is the embeddings output and i (1 .. L) the
// output of encoder layer i - 1 (HF's "encoder.layer.{i-1}"). Only layer outputs (1 .. L) take part.
// Ties go to the lower student layer (torch.argmin's rule, which both references use).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace pare {

enum class LayerMapKind { fixed, nni, cofi };

// "fixed", "nni", "cofi".
std::string layer_map_name(LayerMapKind kind);
// Throws naming `name` and the known forms.
LayerMapKind parse_layer_map(const std::string& name);

struct LayerMapOptions {
  LayerMapKind kind = LayerMapKind::cofi;
  // fixed: the teacher layer of each student layer (one per student layer; empty: s -> s).
  // nni: the teacher layers a student layer may link to (empty: all). cofi: the teacher layers to
  // match (empty: default_cofi_teacher_layers).
  std::vector<std::int64_t> teacher_layers;
};

struct LayerPair {
  std::int64_t student = 0;
  std::int64_t teacher = 0;
  bool operator==(const LayerPair&) const = default;
};

// Hidden-state distance (the loss value) of student layer `student` to teacher layer `teacher`. The
// mappings call it only for the pairs they compare.
using LayerDistance = std::function<double(std::int64_t student, std::int64_t teacher)>;

// max(4, teacher_layers / 3) layers evenly spaced up to the top one (all of a teacher of at most 4):
// CoFi's 3, 6, 9, 12 of 12 and every third of deeper teachers, while a small teacher keeps enough
// layers to match every layer of a student as deep (4 of 4: 1, 2, 3, 4; 8: 2, 4, 6, 8; 6: 2, 3, 5, 6).
std::vector<std::int64_t> default_cofi_teacher_layers(std::int64_t teacher_layers);

// Checks the options against the two depths: every listed teacher layer in 1 .. teacher_layers, a
// fixed list with one entry per student layer (or, without a list, a student no deeper than the
// teacher), nni and cofi lists strictly ascending. Throws naming the value at fault.
void validate_layer_map(const LayerMapOptions& options, std::int64_t student_layers, std::int64_t teacher_layers);

// Every pair whose distance map_layers may ask for these options (none for fixed), so that a caller
// can compute them all at once on the device and read them back in one transfer.
std::vector<LayerPair> distance_pairs(const LayerMapOptions& options, std::int64_t student_layers,
                                      std::int64_t teacher_layers, const std::vector<bool>& student_has_attention);

// The pairs of this step, in ascending student order. `student_has_attention` holds one entry per
// student layer (index s - 1); only cofi reads it. A student layer may end up with no pair (nni:
// no teacher layer at or above it; cofi: not chosen).
std::vector<LayerPair> map_layers(const LayerMapOptions& options, std::int64_t student_layers,
                                  std::int64_t teacher_layers, const std::vector<bool>& student_has_attention,
                                  const LayerDistance& distance);

}  // namespace pare
