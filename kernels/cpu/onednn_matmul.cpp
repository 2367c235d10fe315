#include "kernels/cpu/onednn_matmul.h"

#include <omp.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <mutex>
#include <oneapi/dnnl/dnnl.hpp>
#include <stdexcept>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "kernels/cpu/thread_budget.h"

namespace pare::kernels::cpu {
namespace {

struct Product {
  dnnl::matmul primitive;
  dnnl::memory::desc a, b, c, bias, scratchpad;
};

// The last member is the thread count: a primitive plans its work for the count in force when it is
// made, and runs that many threads whatever the count when it runs.
using Key = std::tuple<int, std::int64_t, std::int64_t, std::int64_t, std::int64_t, bool, std::int64_t, bool,
                       std::int64_t, std::uint32_t, std::uint32_t, bool, int>;

// Shapes a long run meets are few (layer widths times the batch lengths seen); past this many the
// cache starts over rather than grow without bound.
constexpr std::size_t kMaxCachedProducts = 1024;

std::uint32_t bits(float f) {
  std::uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}

const dnnl::engine& cpu_engine() {
  static const dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

// op(x) as a [rows, cols] descriptor over a row-major matrix stored with leading dimension ld.
dnnl::memory::desc operand(dnnl::memory::data_type type, std::int64_t rows, std::int64_t cols, std::int64_t ld,
                           bool transposed) {
  const dnnl::memory::dims strides = transposed ? dnnl::memory::dims{1, ld} : dnnl::memory::dims{ld, 1};
  return dnnl::memory::desc({rows, cols}, type, strides);
}

dnnl::memory::data_type element_type(MatmulOperands operands) {
  switch (operands) {
    case MatmulOperands::f32:
      return dnnl::memory::data_type::f32;
    case MatmulOperands::bf16:
      return dnnl::memory::data_type::bf16;
    case MatmulOperands::s8:
      return dnnl::memory::data_type::s8;
  }
  throw std::logic_error("onednn_matmul: unknown operand type");
}

// s8 products write their s32 sums times one scale per output column (oneDNN's output scales, mask
// 1 << 1: the dst's second axis), as f32. The scales are the weight's, so they are built into the
// primitive: with scales given at run time oneDNN 2.6 takes its gemm:jit kernel instead of brgemm,
// 1.45x slower at 64 x 192 x 192 and 1.2x at 128 x 768 x 768 (one Zen 5 core).
dnnl::primitive_attr s8_attr(const std::vector<float>& column_scale) {
  dnnl::primitive_attr attr;
  attr.set_output_scales(1 << 1, column_scale);
  return attr;
}

dnnl::primitive_attr attr_for(MatmulOperands operands, std::int64_t n) {
  return operands == MatmulOperands::s8 ? s8_attr(std::vector<float>(static_cast<std::size_t>(n), 1.0f))
                                        : dnnl::primitive_attr();
}

// The primitive for operands a, b and output c (an f32 bias of c's width when asked), with the user's
// scratchpad: with the library's, two threads running one primitive at once share it and corrupt each
// other's partial sums.
Product make_product(const dnnl::memory::desc& a, const dnnl::memory::desc& b, const dnnl::memory::desc& c, bool bias,
                     dnnl::primitive_attr attr) {
  Product p{{}, a, b, c, {}, {}};
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  if (bias) {
    p.bias = dnnl::memory::desc({1, c.dims()[1]}, dnnl::memory::data_type::f32, dnnl::memory::format_tag::ab);
  }
  const dnnl::matmul::primitive_desc pd(
      bias ? dnnl::matmul::desc(p.a, p.b, p.bias, p.c) : dnnl::matmul::desc(p.a, p.b, p.c), attr, cpu_engine());
  p.primitive = dnnl::matmul(pd);
  p.scratchpad = pd.scratchpad_desc();
  return p;
}

Product make_product(const MatmulShape& s) {
  const auto type = element_type(s.operands);
  dnnl::primitive_attr attr;
  if (s.alpha != 1.0f) attr.set_output_scales(0, {s.alpha});
  if (s.beta != 0.0f) {
    dnnl::post_ops ops;
    ops.append_sum(s.beta);
    attr.set_post_ops(ops);
  }
  return make_product(operand(type, s.m, s.k, s.lda, s.a_transposed), operand(type, s.k, s.n, s.ldb, s.b_transposed),
                      dnnl::memory::desc({s.m, s.n}, dnnl::memory::data_type::f32, dnnl::memory::dims{s.ldc, 1}),
                      s.bias, attr);
}

// Runs p on the caller's buffers, with this thread's scratchpad, and waits for it.
void run_product(const Product& p, const void* a, const void* b, float* c, const float* bias) {
  dnnl::stream stream(cpu_engine());
  thread_local std::vector<unsigned char> scratch;
  scratch.resize(p.scratchpad.get_size());
  // oneDNN takes non-const handles; it only reads the sources.
  std::unordered_map<int, dnnl::memory> args{
      {DNNL_ARG_SRC, dnnl::memory(p.a, cpu_engine(), const_cast<void*>(a))},
      {DNNL_ARG_WEIGHTS, dnnl::memory(p.b, cpu_engine(), const_cast<void*>(b))},
      {DNNL_ARG_DST, dnnl::memory(p.c, cpu_engine(), c)},
      {DNNL_ARG_SCRATCHPAD, dnnl::memory(p.scratchpad, cpu_engine(), scratch.data())}};
  if (bias != nullptr) args.emplace(DNNL_ARG_BIAS, dnnl::memory(p.bias, cpu_engine(), const_cast<float*>(bias)));
  p.primitive.execute(stream, args);
  stream.wait();
}

// Shared, like every cache below: another thread may clear the cache while this one runs the product.
std::shared_ptr<const Product> product_for(const MatmulShape& s) {
  static std::mutex mutex;
  static std::map<Key, std::shared_ptr<const Product>> products;
  const Key key{static_cast<int>(s.operands),
                s.m,
                s.n,
                s.k,
                s.lda,
                s.a_transposed,
                s.ldb,
                s.b_transposed,
                s.ldc,
                bits(s.alpha),
                bits(s.beta),
                s.bias,
                omp_get_max_threads()};
  std::lock_guard lock(mutex);
  auto it = products.find(key);
  if (it != products.end()) return it->second;
  if (products.size() >= kMaxCachedProducts) products.clear();
  return products.emplace(key, std::make_shared<const Product>(make_product(s))).first->second;
}

// The weight format oneDNN's matmul picks for [k, n] weights, asked for 128 rows: it picks the same
// one for any row count (checked from 1 to 4096 rows on Zen 5), so a product of any m reads it with
// the same brgemm kernels.
dnnl::memory::desc packed_weight_desc(MatmulOperands operands, std::int64_t n, std::int64_t k) {
  static std::mutex mutex;
  static std::map<std::tuple<int, std::int64_t, std::int64_t>, dnnl::memory::desc> descs;
  std::lock_guard lock(mutex);
  const std::tuple<int, std::int64_t, std::int64_t> key{static_cast<int>(operands), n, k};
  auto it = descs.find(key);
  if (it != descs.end()) return it->second;
  const auto type = element_type(operands);
  constexpr std::int64_t kRows = 128;
  const dnnl::memory::desc a({kRows, k}, type, dnnl::memory::format_tag::ab);
  const dnnl::memory::desc w({k, n}, type, dnnl::memory::format_tag::any);
  const dnnl::memory::desc c({kRows, n}, dnnl::memory::data_type::f32, dnnl::memory::format_tag::ab);
  const dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(a, w, c), attr_for(operands, n), cpu_engine());
  return descs.emplace(key, pd.weights_desc()).first->second;
}

// Keyed like product_for, thread count included.
std::shared_ptr<const Product> packed_product_for(MatmulOperands operands, std::int64_t m, std::int64_t n,
                                                  std::int64_t k, std::int64_t lda, bool bias) {
  static std::mutex mutex;
  static std::map<std::tuple<int, std::int64_t, std::int64_t, std::int64_t, std::int64_t, bool, int>,
                  std::shared_ptr<const Product>>
      products;
  const std::tuple<int, std::int64_t, std::int64_t, std::int64_t, std::int64_t, bool, int> key{
      static_cast<int>(operands), m, n, k, lda, bias, omp_get_max_threads()};
  const dnnl::memory::desc weights = packed_weight_desc(operands, n, k);
  std::lock_guard lock(mutex);
  auto it = products.find(key);
  if (it != products.end()) return it->second;
  if (products.size() >= kMaxCachedProducts) products.clear();
  Product p =
      make_product(operand(element_type(operands), m, k, lda, false), weights,
                   dnnl::memory::desc({m, n}, dnnl::memory::data_type::f32, dnnl::memory::format_tag::ab), bias, {});
  return products.emplace(key, std::make_shared<const Product>(std::move(p))).first->second;
}

// An s8 product with its column scales built in, and those scales.
struct ScaledProduct {
  Product product;
  std::vector<float> column_scale;
};

std::uint64_t hash_of(const float* values, std::int64_t n) {
  std::uint64_t h = 1469598103934665603ull;  // FNV-1a over the bits
  for (std::int64_t i = 0; i < n; ++i) h = (h ^ bits(values[i])) * 1099511628211ull;
  return h;
}

// Keyed like packed_product_for plus the scales (their hash, checked against the scales kept, so a
// collision makes a new primitive rather than a wrong one).
std::shared_ptr<const ScaledProduct> s8_product_for(std::int64_t m, std::int64_t n, std::int64_t k, std::int64_t lda,
                                                    const float* column_scale) {
  static std::mutex mutex;
  using Key = std::tuple<std::int64_t, std::int64_t, std::int64_t, std::int64_t, int, std::uint64_t>;
  static std::map<Key, std::shared_ptr<const ScaledProduct>> products;
  const Key key{m, n, k, lda, omp_get_max_threads(), hash_of(column_scale, n)};
  const dnnl::memory::desc weights = packed_weight_desc(MatmulOperands::s8, n, k);
  std::lock_guard lock(mutex);
  auto it = products.find(key);
  if (it != products.end() && std::equal(column_scale, column_scale + n, it->second->column_scale.begin())) {
    return it->second;
  }
  if (products.size() >= kMaxCachedProducts) products.clear();
  auto p = std::make_shared<ScaledProduct>();
  p->column_scale.assign(column_scale, column_scale + n);
  p->product = make_product(operand(dnnl::memory::data_type::s8, m, k, lda, false), weights,
                            dnnl::memory::desc({m, n}, dnnl::memory::data_type::f32, dnnl::memory::format_tag::ab),
                            false, s8_attr(p->column_scale));
  products[key] = p;
  return p;
}

}  // namespace

std::int64_t onednn_packed_weight_bytes(MatmulOperands operands, std::int64_t n, std::int64_t k) {
  return static_cast<std::int64_t>(packed_weight_desc(operands, n, k).get_size());
}

std::shared_ptr<const OnednnPackedWeight> onednn_pack_weight(MatmulOperands operands, std::int64_t n, std::int64_t k,
                                                             const void* b, std::int64_t ldb, bool transposed,
                                                             void* storage) {
  const dnnl::memory::desc packed = packed_weight_desc(operands, n, k);
  auto out = std::make_shared<OnednnPackedWeight>();
  out->n = n;
  out->k = k;
  out->bf16 = operands == MatmulOperands::bf16;
  out->s8 = operands == MatmulOperands::s8;
  out->bytes = storage;
  const dnnl::memory::desc plain = operand(element_type(operands), k, n, ldb, transposed);
  dnnl::memory source(plain, cpu_engine(), const_cast<void*>(b)), target(packed, cpu_engine(), storage);
  dnnl::stream stream(cpu_engine());
  dnnl::reorder(source, target).execute(stream, source, target);
  stream.wait();
  return out;
}

void onednn_matmul_packed(std::int64_t m, const void* a, std::int64_t lda, const OnednnPackedWeight& b,
                          const float* bias, float* c, const float* column_scale) {
  if (b.s8 != (column_scale != nullptr) || (b.s8 && bias != nullptr)) {
    throw std::logic_error("onednn_matmul_packed: s8 products take column scales and no bias, others neither");
  }
  const ThreadLimit limit(product_threads(m, b.n, b.k));
  if (b.s8) {
    const std::shared_ptr<const ScaledProduct> p = s8_product_for(m, b.n, b.k, lda, column_scale);
    return run_product(p->product, a, b.bytes, c, nullptr);
  }
  const MatmulOperands operands = b.bf16 ? MatmulOperands::bf16 : MatmulOperands::f32;
  run_product(*packed_product_for(operands, m, b.n, b.k, lda, bias != nullptr), a, b.bytes, c, bias);
}

void onednn_matmul(const MatmulShape& shape, const void* a, const void* b, float* c, const float* bias) {
  const ThreadLimit limit(product_threads(shape.m, shape.n, shape.k));
  run_product(*product_for(shape), a, b, c, shape.bias ? bias : nullptr);
}

}  // namespace pare::kernels::cpu
