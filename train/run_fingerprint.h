// Fingerprints of what a training run starts from, stored in its checkpoint and compared on
// resume: the training examples (ids, token types, labels, in order) and the model's starting
// parameters (names, shapes, values). A resume on other data or from another model is then refused
// by name instead of silently mixing two runs. 64-bit FNV-1a as 16 hex digits: a check against
// mistakes, not against an adversary.
#pragma once

#include <string>
#include <vector>

#include "data/batching.h"  // TokenizedExample
#include "runtime/named_tensors.h"

namespace pare {

std::string data_fingerprint(const std::vector<TokenizedExample>& examples);

// Reads every parameter to the host once (a device model included).
std::string model_fingerprint(const NamedTensors& parameters);

}  // namespace pare
