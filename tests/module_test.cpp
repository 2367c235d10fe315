#include "runtime/nn/module.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "runtime/random.h"

namespace pare {
namespace {

// A miniature of BERT's naming: embeddings.{word_embeddings, LayerNorm}, encoder.layer.N.attention.
// self.query and a buffer, built from plain parameters so only Module itself is under test.
struct Dense : Module {
  Dense(std::int64_t in, std::int64_t out, Generator& gen) {
    register_parameter("weight", Tensor::randn({out, in}, gen));
    register_parameter("bias", Tensor::randn({out}, gen));
  }
};

struct SelfAttention : Module {
  SelfAttention(std::int64_t dim, Generator& gen) {
    register_module("query", std::make_shared<Dense>(dim, dim, gen));
    register_module("key", std::make_shared<Dense>(dim, dim, gen));
  }
};

struct Attention : Module {
  Attention(std::int64_t dim, Generator& gen) { register_module("self", std::make_shared<SelfAttention>(dim, gen)); }
};

struct Layer : Module {
  Layer(std::int64_t dim, Generator& gen) { register_module("attention", std::make_shared<Attention>(dim, gen)); }
};

struct Embeddings : Module {
  Embeddings(std::int64_t vocab, std::int64_t dim, Generator& gen) {
    register_parameter("word_embeddings", Tensor::randn({vocab, dim}, gen));
    register_buffer("position_ids", Tensor::from_vector<std::int64_t>({0, 1, 2}, {1, 3}));
    auto norm = register_module("LayerNorm", std::make_shared<Module>());
    norm->register_parameter("weight", Tensor::ones({dim}));
    norm->register_parameter("bias", Tensor::zeros({dim}));
  }
};

struct Model : Module {
  std::shared_ptr<ModuleList<Layer>> layers;

  Model(std::int64_t layer_count, std::uint64_t seed) {
    Generator gen(seed);
    register_module("embeddings", std::make_shared<Embeddings>(5, 4, gen));
    auto encoder = register_module("encoder", std::make_shared<Module>());
    layers = encoder->register_module("layer", std::make_shared<ModuleList<Layer>>());
    for (std::int64_t i = 0; i < layer_count; ++i) layers->push_back(std::make_shared<Layer>(4, gen));
    register_parameter("scale", Tensor::randn({1}, gen));
  }
};

std::vector<std::string> names_of(const NamedTensors& named) {
  std::vector<std::string> names;
  for (const auto& [name, t] : named) names.push_back(name);
  return names;
}

std::string load_error(Module& m, const StateDict& dict) {
  try {
    m.load_state_dict(dict);
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected load_state_dict to throw";
  return "";
}

TEST(Module, DottedNamesInRegistrationOrder) {
  Model model(2, 1);
  const std::vector<std::string> expected{
      "scale",
      "embeddings.word_embeddings",
      "embeddings.LayerNorm.weight",
      "embeddings.LayerNorm.bias",
      "encoder.layer.0.attention.self.query.weight",
      "encoder.layer.0.attention.self.query.bias",
      "encoder.layer.0.attention.self.key.weight",
      "encoder.layer.0.attention.self.key.bias",
      "encoder.layer.1.attention.self.query.weight",
      "encoder.layer.1.attention.self.query.bias",
      "encoder.layer.1.attention.self.key.weight",
      "encoder.layer.1.attention.self.key.bias",
  };
  EXPECT_EQ(names_of(model.named_parameters()), expected);
  EXPECT_EQ(model.parameters().size(), expected.size());
  for (const Tensor& p : model.parameters()) EXPECT_TRUE(p.requires_grad());
  EXPECT_EQ(names_of(model.named_buffers()), std::vector<std::string>{"embeddings.position_ids"});
  EXPECT_FALSE(model.named_buffers()[0].second.requires_grad());

  std::vector<std::string> module_names;
  for (const auto& [name, m] : model.named_modules()) module_names.push_back(name);
  EXPECT_EQ(module_names,
            (std::vector<std::string>{"", "embeddings", "embeddings.LayerNorm", "encoder", "encoder.layer",
                                      "encoder.layer.0", "encoder.layer.0.attention", "encoder.layer.0.attention.self",
                                      "encoder.layer.0.attention.self.query", "encoder.layer.0.attention.self.key",
                                      "encoder.layer.1", "encoder.layer.1.attention", "encoder.layer.1.attention.self",
                                      "encoder.layer.1.attention.self.query", "encoder.layer.1.attention.self.key"}));
  EXPECT_EQ(model.layers->size(), 2u);
  EXPECT_EQ((*model.layers)[1].get(), model.child("encoder")->child("layer")->child("1").get());
}

TEST(Module, RejectsBadAndDuplicateNames) {
  Module m;
  m.register_parameter("w", Tensor::zeros({2}));
  EXPECT_THROW(m.register_parameter("w", Tensor::zeros({2})), Error);
  EXPECT_THROW(m.register_buffer("w", Tensor::zeros({2})), Error);
  EXPECT_THROW(m.register_module("w", std::make_shared<Module>()), Error);
  EXPECT_THROW(m.register_parameter("a.b", Tensor::zeros({2})), Error);
  EXPECT_THROW(m.register_parameter("", Tensor::zeros({2})), Error);
  EXPECT_THROW(m.register_parameter("ids", Tensor::zeros({2}, DType::i64)), Error);
  m.register_parameter("int8", Tensor::zeros({2}, DType::i8));  // an int8 model's weight, never trained
  EXPECT_FALSE(m.parameter("int8").requires_grad());
  EXPECT_THROW(m.register_module("child", std::shared_ptr<Module>()), Error);
  try {
    m.parameter("v");
    FAIL() << "expected pare::Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no parameter \"v\" (have: w, int8)"), std::string::npos) << e.what();
  }
  ModuleList<Module> list;
  EXPECT_THROW(list[0], Error);
}

TEST(Module, TrainAndEvalReachEveryModule) {
  Model model(3, 2);
  EXPECT_TRUE(model.is_training());
  model.eval();
  for (const auto& [name, m] : model.named_modules()) EXPECT_FALSE(m->is_training()) << name;
  model.child("encoder")->train();
  EXPECT_FALSE(model.is_training());
  EXPECT_TRUE((*model.layers)[2]->child("attention")->is_training());
  model.train();
  for (const auto& [name, m] : model.named_modules()) EXPECT_TRUE(m->is_training()) << name;
}

TEST(Module, ZeroGradClearsEveryGradient) {
  Model model(1, 3);
  for (const Tensor& p : model.parameters()) p.set_grad(Tensor::ones(p.shape()));
  model.zero_grad();
  for (const auto& [name, p] : model.named_parameters()) EXPECT_FALSE(p.grad().defined()) << name;
}

TEST(Module, StateDictRoundTripCopiesValues) {
  Model source(2, 10), target(2, 20);
  const StateDict dict = source.state_dict();
  EXPECT_EQ(dict.size(), source.named_parameters().size() + 1);
  for (const auto& [name, t] : dict) EXPECT_FALSE(t.requires_grad()) << name;

  const auto target_params = target.named_parameters();
  const StateDictLoadReport report = target.load_state_dict(dict);
  EXPECT_TRUE(report.missing.empty() && report.unexpected.empty());
  for (const auto& [name, p] : target_params) {
    EXPECT_EQ(p.to_vector<float>(), dict.at(name).to_vector<float>()) << name;
  }
  // Loaded in place: the tensors the target handed out are still its parameters, and they hold
  // copies, not aliases, of the source's values.
  EXPECT_EQ(target.named_parameters()[0].second.impl(), target_params[0].second.impl());
  source.parameters()[0].detach().fill_(7.0);
  EXPECT_NE(target.parameters()[0].to_vector<float>(), source.parameters()[0].to_vector<float>());
  // The state dict is a view of the live parameters.
  EXPECT_EQ(dict.at("scale").item(), 7.0);
}

TEST(Module, LoadStateDictListsEveryProblemAndChangesNothing) {
  Model source(2, 30), target(2, 40);
  StateDict dict = source.state_dict();
  dict.erase("encoder.layer.1.attention.self.key.bias");
  dict.erase("embeddings.position_ids");
  dict["encoder.layer.2.attention.self.query.weight"] = Tensor::zeros({4, 4});
  dict["encoder.layer.0.attention.self.query.weight"] = Tensor::zeros({4, 3});
  const std::vector<float> before = target.parameters()[0].to_vector<float>();

  const std::string msg = load_error(target, dict);
  EXPECT_NE(msg.find("missing (2): embeddings.position_ids, encoder.layer.1.attention.self.key.bias"),
            std::string::npos)
      << msg;
  EXPECT_NE(msg.find("unexpected (1): encoder.layer.2.attention.self.query.weight"), std::string::npos) << msg;
  EXPECT_NE(msg.find("shape mismatch (1): encoder.layer.0.attention.self.query.weight expected [4, 4] got [4, 3]"),
            std::string::npos)
      << msg;
  EXPECT_EQ(target.parameters()[0].to_vector<float>(), before);

  // Non-strict loading reports names instead of throwing, but never accepts a wrong shape.
  EXPECT_THROW(target.load_state_dict(dict, false), Error);
  dict.erase("encoder.layer.0.attention.self.query.weight");
  const StateDictLoadReport report = target.load_state_dict(dict, false);
  EXPECT_EQ(report.missing,
            (std::vector<std::string>{"embeddings.position_ids", "encoder.layer.0.attention.self.query.weight",
                                      "encoder.layer.1.attention.self.key.bias"}));
  EXPECT_EQ(report.unexpected, std::vector<std::string>{"encoder.layer.2.attention.self.query.weight"});
  EXPECT_EQ(target.parameters()[0].to_vector<float>(), source.parameters()[0].to_vector<float>());
}

TEST(Module, LoadStateDictConvertsDtype) {
  Module m;
  m.register_parameter("w", Tensor::zeros({3}));
  m.load_state_dict({{"w", Tensor::from_vector<std::int64_t>({1, 2, 3}, {3})}});
  EXPECT_EQ(m.parameter("w").to_vector<float>(), (std::vector<float>{1, 2, 3}));
}

TEST(Module, SetParameterReplacesInPlaceOfOrder) {
  Model model(2, 50);
  auto query = model.layers->operator[](0)->child("attention")->child("self")->child("query");
  query->set_parameter("weight", Tensor::zeros({2, 4}));
  const auto named = model.named_parameters();
  EXPECT_EQ(named[4].first, "encoder.layer.0.attention.self.query.weight");
  EXPECT_EQ(named[4].second.shape(), (Shape{2, 4}));
  EXPECT_TRUE(named[4].second.requires_grad());
  EXPECT_THROW(query->set_parameter("gamma", Tensor::zeros({2})), Error);

  // Layers of different shapes live side by side; a state dict of the smaller model loads into it.
  Model other(2, 60);
  other.layers->operator[](0)
      ->child("attention")
      ->child("self")
      ->child("query")
      ->set_parameter("weight", Tensor::ones({2, 4}));
  model.load_state_dict(other.state_dict());
  EXPECT_EQ(named[4].second.to_vector<float>(), std::vector<float>(8, 1.0f));

  model.child("encoder")->child("layer")->set_module("1", std::make_shared<Module>());
  EXPECT_EQ(model.named_parameters().size(), named.size() - 4);
  EXPECT_THROW((*model.layers)[1], Error);
}

}  // namespace
}  // namespace pare
