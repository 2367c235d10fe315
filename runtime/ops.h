// Every op of the runtime, one include for users of the library.
#pragma once

#include "runtime/ops/activation.h"
#include "runtime/ops/attention.h"
#include "runtime/ops/dropout.h"
#include "runtime/ops/elementwise.h"
#include "runtime/ops/indexing.h"
#include "runtime/ops/layer_norm.h"
#include "runtime/ops/loss.h"
#include "runtime/ops/masking.h"
#include "runtime/ops/matmul.h"
#include "runtime/ops/reduce.h"
#include "runtime/ops/softmax.h"
