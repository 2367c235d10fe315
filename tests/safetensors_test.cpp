#include "runtime/io/safetensors.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <limits>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "runtime/random.h"
#include "tests/test_support.h"  // ScratchDir, write_bytes, read_bytes, bytes_of, float_bytes, error_of

namespace pare {
namespace {

namespace fs = std::filesystem;
using testing::bytes_of;
using testing::error_of;
using testing::float_bytes;
using testing::read_bytes;
using testing::ScratchDir;
using testing::write_bytes;

std::string u64_le(std::uint64_t value) {
  std::string bytes(8, '\0');
  for (int i = 0; i < 8; ++i) bytes[static_cast<std::size_t>(i)] = static_cast<char>(value >> (8 * i));
  return bytes;
}

// The first 8 bytes of a file read as the little-endian header length.
std::uint64_t header_length(const std::string& bytes) {
  std::uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<unsigned char>(bytes[static_cast<std::size_t>(i)]);
  return n;
}

// A safetensors file assembled by hand: header length, header text, data buffer.
std::string file_bytes(const std::string& header, const std::string& buffer = "") {
  return u64_le(header.size()) + header + buffer;
}

// The JSON of one header entry, with the fields spliced in as raw JSON text.
std::string entry(const std::string& dtype, const std::string& shape, const std::string& offsets) {
  return "{\"dtype\":" + dtype + ",\"shape\":" + shape + ",\"data_offsets\":" + offsets + "}";
}

class Safetensors : public ::testing::Test {
 protected:
  // Writes `bytes` as a file and expects opening it to fail with every fragment (and the path) in
  // the message.
  void expect_rejected(const std::string& bytes, const std::vector<std::string>& fragments) {
    const fs::path path = dir_ / "bad.safetensors";
    write_bytes(path, bytes);
    const std::string error = error_of([&] { SafetensorsFile::open(path); });
    ASSERT_FALSE(error.empty()) << "accepted a malformed file";
    EXPECT_NE(error.find(path.string()), std::string::npos) << error;
    for (const std::string& fragment : fragments) EXPECT_NE(error.find(fragment), std::string::npos) << error;
  }

  ScratchDir scratch_;
  const fs::path dir_ = scratch_.path();
};

NamedTensors every_dtype(Generator& gen) {
  const auto i32_max = std::numeric_limits<std::int32_t>::max();
  const auto i64_min = std::numeric_limits<std::int64_t>::min();
  return {
      {"f32", Tensor::randn({3, 5}, gen)},
      {"bf16", Tensor::randn({4, 3}, gen).to(DType::bf16)},
      {"f16", Tensor::randn({2, 3, 2}, gen).to(DType::f16)},
      {"u8", Tensor::from_vector<std::uint8_t>({0, 1, 255}, {3, 1})},  // 3 bytes: later offsets are odd
      {"i32", Tensor::from_vector<std::int32_t>({-5, 0, 7, i32_max}, {2, 2})},
      {"i64", Tensor::from_vector<std::int64_t>({i64_min, -1, std::int64_t{1} << 40}, {3})},
      {"scalar", Tensor::from_vector<float>({2.5f}, {})},
      {"empty", Tensor::zeros({0, 4})},
      {"transposed", Tensor::randn({3, 4}, gen).transpose(0, 1)},
      {"slice", Tensor::randn({5, 3}, gen).to(DType::bf16).slice(0, 2, 4)},  // starts past the storage start
      {"expanded", Tensor::from_vector<std::int32_t>({1, 2, 3}, {3, 1}).expand({3, 4})},
  };
}

TEST_F(Safetensors, RoundTripsEveryDtypeAndLayoutWithMetadata) {
  Generator gen(7);
  const NamedTensors tensors = every_dtype(gen);
  const std::map<std::string, std::string> metadata = {
      {"format", "pt"}, {"note", "gr\u00fc\u00dfe \u2713"}, {"blank", ""}};
  const fs::path path = dir_ / "model.safetensors";
  save_safetensors(path, tensors, metadata);

  const SafetensorsFile file = SafetensorsFile::open(path);
  EXPECT_EQ(file.metadata(), metadata);
  std::vector<std::string> expected_names;
  for (const auto& [name, t] : tensors) expected_names.push_back(name);
  EXPECT_EQ(file.names(), expected_names);
  for (const auto& [name, t] : tensors) {
    SCOPED_TRACE(name);
    ASSERT_TRUE(file.contains(name));
    EXPECT_EQ(file.info(name).dtype, t.dtype());
    EXPECT_EQ(file.info(name).shape, t.shape());
    const Tensor loaded = file.load(name);
    EXPECT_EQ(loaded.dtype(), t.dtype());
    EXPECT_EQ(loaded.shape(), t.shape());
    EXPECT_TRUE(loaded.is_contiguous());
    EXPECT_TRUE(loaded.device().is_cpu());
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(loaded.raw_data()) % 64, 0u);
    EXPECT_EQ(bytes_of(loaded), bytes_of(t));
  }
  EXPECT_FALSE(file.contains("missing"));
}

TEST_F(Safetensors, EmptyFileRoundTrips) {
  const fs::path path = dir_ / "empty.safetensors";
  save_safetensors(path, {});
  const SafetensorsFile file = SafetensorsFile::open(path);
  EXPECT_TRUE(file.names().empty());
  EXPECT_TRUE(file.metadata().empty());
}

TEST_F(Safetensors, LoadedTensorsOutliveTheFile) {
  const fs::path path = dir_ / "m.safetensors";
  save_safetensors(path, {{"w", Tensor::from_vector<float>({1, 2, 3}, {3})}});
  Tensor w;
  {
    const SafetensorsFile file = SafetensorsFile::open(path);
    w = file.load("w");
  }
  fs::remove(path);
  EXPECT_EQ(w.to_vector<float>(), (std::vector<float>{1, 2, 3}));
}

TEST_F(Safetensors, ReadsAFileWrittenToTheSpecByHand) {
  // Header deliberately unpadded, with keys in a different order from the data.
  const std::string header =
      "{\"__metadata__\":{\"format\":\"pt\"},"
      "\"b\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[8,16]},"
      "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
  std::string b(8, '\0');
  b[0] = 42;
  b[1] = 1;  // 42 + 256
  const fs::path path = dir_ / "hand.safetensors";
  write_bytes(path, file_bytes(header, float_bytes({1.5f, -2.0f}) + b));

  const SafetensorsFile file = SafetensorsFile::open(path);
  EXPECT_EQ(file.names(), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(file.metadata(), (std::map<std::string, std::string>{{"format", "pt"}}));
  EXPECT_EQ(file.info("a").begin, 0u);
  EXPECT_EQ(file.info("a").end, 8u);
  EXPECT_EQ(file.load("a").to_vector<float>(), (std::vector<float>{1.5f, -2.0f}));
  const Tensor loaded_b = file.load("b");
  EXPECT_EQ(loaded_b.dim(), 0);
  EXPECT_EQ(loaded_b.to_vector<std::int64_t>(), (std::vector<std::int64_t>{298}));
}

TEST_F(Safetensors, WriterFollowsTheSpecLayout) {
  Generator gen(3);
  const NamedTensors tensors = every_dtype(gen);
  const fs::path path = dir_ / "layout.safetensors";
  save_safetensors(path, tensors, {{"k", "v"}});
  const std::string bytes = read_bytes(path);
  ASSERT_GE(bytes.size(), 8u);
  const std::uint64_t n = header_length(bytes);
  EXPECT_EQ(n % 8, 0u);
  ASSERT_LE(8 + n, bytes.size());
  const std::string header_text = bytes.substr(8, n);
  // Padding is spaces after the JSON object, nothing else.
  const std::size_t close = header_text.find_last_of('}');
  EXPECT_EQ(header_text.find_first_not_of(' ', close + 1), std::string::npos);
  EXPECT_LT(header_text.size() - close - 1, 8u);
  const nlohmann::json header = nlohmann::json::parse(header_text);
  EXPECT_EQ(header["__metadata__"], nlohmann::json({{"k", "v"}}));
  const std::string buffer = bytes.substr(8 + n);
  std::uint64_t expected_begin = 0;
  for (const auto& [name, t] : tensors) {
    SCOPED_TRACE(name);
    const nlohmann::json& e = header.at(name);
    EXPECT_EQ(e.at("dtype").get<std::string>(), dtype_name(t.dtype()));
    EXPECT_EQ(e.at("shape").get<Shape>(), t.shape());
    const auto offsets = e.at("data_offsets").get<std::vector<std::uint64_t>>();
    ASSERT_EQ(offsets.size(), 2u);
    EXPECT_EQ(offsets[0], expected_begin);  // tensors follow each other in the order given
    ASSERT_LE(offsets[1], buffer.size());
    EXPECT_EQ(buffer.substr(offsets[0], offsets[1] - offsets[0]), bytes_of(t));
    expected_begin = offsets[1];
  }
  EXPECT_EQ(expected_begin, buffer.size());
}

TEST_F(Safetensors, SaveIsAtomic) {
  const fs::path path = dir_ / "model.safetensors";
  save_safetensors(path, {{"w", Tensor::from_vector<float>({1, 2}, {2})}});
  EXPECT_EQ(scratch_.listing(), std::vector<std::string>{"model.safetensors"});

  // A failed save leaves the old file as it was and no temporary behind.
  const Tensor x = Tensor::from_vector<float>({9}, {1});
  EXPECT_NE(error_of([&] { save_safetensors(path, {{"x", x}, {"x", x}}); }).find("'x' given twice"), std::string::npos);
  EXPECT_NE(error_of([&] { save_safetensors(path, {{"__metadata__", x}}); }).find("reserved"), std::string::npos);
  EXPECT_NE(error_of([&] { save_safetensors(path, {{"u", Tensor()}}); }).find("'u' is undefined"), std::string::npos);
  EXPECT_NE(error_of([&] { save_safetensors(path, {{"bad\xff", x}}); }).find("UTF-8"), std::string::npos);
  EXPECT_EQ(SafetensorsFile::open(path).load("w").to_vector<float>(), (std::vector<float>{1, 2}));
  EXPECT_EQ(scratch_.listing(), std::vector<std::string>{"model.safetensors"});

  // A successful save replaces it.
  save_safetensors(path, {{"x", x}});
  EXPECT_EQ(SafetensorsFile::open(path).names(), std::vector<std::string>{"x"});
  EXPECT_EQ(scratch_.listing(), std::vector<std::string>{"model.safetensors"});
}

TEST_F(Safetensors, SaveIntoAMissingDirectoryFailsClearly) {
  const fs::path path = dir_ / "absent" / "model.safetensors";
  const std::string error = error_of([&] { save_safetensors(path, {{"w", Tensor::zeros({2})}}); });
  EXPECT_NE(error.find(path.string()), std::string::npos) << error;
  EXPECT_NE(error.find("does not exist"), std::string::npos) << error;
}

TEST_F(Safetensors, OpenReportsMissingFilesAndNames) {
  const fs::path missing = dir_ / "nope.safetensors";
  std::string error = error_of([&] { SafetensorsFile::open(missing); });
  EXPECT_NE(error.find(missing.string()), std::string::npos) << error;
  EXPECT_NE(error.find("No such file"), std::string::npos) << error;
  error = error_of([&] { SafetensorsFile::open(dir_); });
  EXPECT_NE(error.find("directory"), std::string::npos) << error;

  const fs::path path = dir_ / "m.safetensors";
  save_safetensors(path, {{"w", Tensor::zeros({2})}});
  const SafetensorsFile file = SafetensorsFile::open(path);
  for (const auto& fn : std::vector<std::function<void()>>{[&] { file.load("zz"); }, [&] { file.info("zz"); }}) {
    error = error_of(fn);
    EXPECT_NE(error.find("no tensor named 'zz'"), std::string::npos) << error;
    EXPECT_NE(error.find(path.string()), std::string::npos) << error;
  }
}

TEST_F(Safetensors, RejectsBadFraming) {
  expect_rejected("", {"0 bytes", "shorter than"});
  expect_rejected("\x01\x02\x03", {"3 bytes", "shorter than"});
  expect_rejected(u64_le(100'000'001) + "{}", {"header length 100000001", "exceeds"});
  expect_rejected(u64_le(100) + "{\"a\":", {"header length 100", "truncated"});
  expect_rejected(file_bytes("{\"a\":{\"dtype\":\"F32\","), {"not valid JSON"});
  expect_rejected(file_bytes("{\"\xff\":1}"), {"not valid JSON"});
  expect_rejected(file_bytes("{} x"), {"not valid JSON"});
  expect_rejected(file_bytes(""), {"not valid JSON"});
  expect_rejected(file_bytes("[1, 2]"), {"must be a JSON object", "[1,2]"});
  expect_rejected(file_bytes("{\"a\":" + std::string(100, '[') + std::string(100, ']') + "}"), {"levels deep"});
  expect_rejected(file_bytes(std::string(1'000'000, '[')), {"levels deep"});
}

TEST_F(Safetensors, RejectsMalformedEntries) {
  const std::string f32 = "\"F32\"", two = "[2]", eight = float_bytes({0, 0});
  expect_rejected(file_bytes("{\"w\":3}", eight), {"'w'", "entry must be an object"});
  expect_rejected(file_bytes("{\"w\":{\"shape\":[2],\"data_offsets\":[0,8]}}", eight), {"'w'", "missing \"dtype\""});
  expect_rejected(file_bytes("{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,8]}}", eight),
                  {"'w'", "missing \"shape\""});
  expect_rejected(file_bytes("{\"w\":{\"dtype\":\"F32\",\"shape\":[2]}}", eight), {"'w'", "missing \"data_offsets\""});
  expect_rejected(file_bytes("{\"w\":" + entry("5", two, "[0,8]") + "}", eight), {"'w'", "dtype must be a string"});
  expect_rejected(file_bytes("{\"w\":" + entry("\"F64\"", two, "[0,8]") + "}", eight), {"'w'", "unknown dtype 'F64'"});
  expect_rejected(file_bytes("{\"w\":" + entry(f32, "\"2\"", "[0,8]") + "}", eight), {"'w'", "shape must be an array"});
  expect_rejected(file_bytes("{\"w\":" + entry(f32, "[-2]", "[0,8]") + "}", eight),
                  {"'w'", "[-2]", "non-negative integer"});
  expect_rejected(file_bytes("{\"w\":" + entry(f32, "[2.5]", "[0,8]") + "}", eight),
                  {"'w'", "2.5", "non-negative integer"});
  expect_rejected(file_bytes("{\"w\":" + entry(f32, "[18446744073709551615]", "[0,0]") + "}"), {"'w'", "too large"});
  expect_rejected(file_bytes("{\"w\":" + entry(f32, "[4294967296,4294967296]", "[0,8]") + "}", eight),
                  {"'w'", "too many elements"});
  expect_rejected(file_bytes("{\"w\":" + entry(f32, "[4611686018427387904]", "[0,8]") + "}", eight),
                  {"'w'", "too many elements"});
  expect_rejected(file_bytes("{\"w\":" + entry(f32, two, "[0,4,8]") + "}", eight), {"'w'", "must be [begin, end]"});
  expect_rejected(file_bytes("{\"w\":" + entry(f32, two, "{\"0\":8}") + "}", eight), {"'w'", "must be [begin, end]"});
  expect_rejected(file_bytes("{\"w\":" + entry(f32, two, "[-8,0]") + "}", eight), {"'w'", "non-negative integers"});
  expect_rejected(file_bytes("{\"w\":" + entry(f32, two, "[0,8.0]") + "}", eight), {"'w'", "non-negative integers"});
  expect_rejected(file_bytes("{\"w\":" + entry(f32, two, "[8,0]") + "}", eight), {"'w'", "[8, 0]", "end before"});
  expect_rejected(file_bytes("{\"w\":" + entry(f32, two, "[0,8]") + "}", "1234"),
                  {"'w'", "[0, 8]", "4-byte data buffer", "truncated"});
  expect_rejected(file_bytes("{\"w\":" + entry(f32, "[3]", "[0,8]") + "}", eight),
                  {"'w'", "hold 8 bytes", "F32 shape [3] needs 12"});
  const std::string w = "\"w\":" + entry(f32, "[1]", "[0,4]");
  expect_rejected(file_bytes("{" + w + "," + w + "}", "1234"), {"'w'", "appears twice"});
}

TEST_F(Safetensors, RejectsBadCoverage) {
  const std::string f32 = "\"F32\"";
  const auto a = [&](const std::string& shape, const std::string& offsets) {
    return "\"a\":" + entry(f32, shape, offsets);
  };
  const auto b = [&](const std::string& shape, const std::string& offsets) {
    return "\"b\":" + entry(f32, shape, offsets);
  };
  expect_rejected(file_bytes("{" + a("[2]", "[0,8]") + "," + b("[2]", "[4,12]") + "}", std::string(12, 'x')),
                  {"'a' [0, 8]", "'b' [4, 12]", "overlap"});
  expect_rejected(file_bytes("{" + a("[2]", "[0,8]") + "," + b("[0]", "[4,4]") + "}", std::string(8, 'x')),
                  {"'a'", "'b'", "overlap"});
  expect_rejected(file_bytes("{" + a("[1]", "[0,4]") + "," + b("[1]", "[8,12]") + "}", std::string(12, 'x')),
                  {"[4, 8)", "between 'a' and 'b'"});
  expect_rejected(file_bytes("{" + a("[1]", "[4,8]") + "}", std::string(8, 'x')), {"[0, 4)", "before 'a'"});
  expect_rejected(file_bytes("{" + a("[1]", "[0,4]") + "}", std::string(8, 'x')), {"[4, 8)", "end of the data buffer"});
  expect_rejected(file_bytes("{}", "x"), {"[0, 1)", "end of the data buffer"});
}

TEST_F(Safetensors, RejectsBadMetadata) {
  expect_rejected(file_bytes("{\"__metadata__\":[\"x\"]}"), {"__metadata__ must be an object"});
  expect_rejected(file_bytes("{\"__metadata__\":{\"k\":1}}"), {"__metadata__ key 'k'", "must map to a string"});
  // "__metadata__" is reserved: an entry that looks like a tensor under that name is bad metadata.
  expect_rejected(file_bytes("{\"__metadata__\":" + entry("\"F32\"", "[1]", "[0,4]") + "}", "1234"),
                  {"__metadata__ key", "must map to a string"});
}

// Every truncation and random corruption of a valid file either opens and loads cleanly or throws
// pare::Error; nothing reads out of bounds (run under ASan to make that bite) or throws anything else.
TEST_F(Safetensors, SurvivesTruncationAndCorruption) {
  Generator gen(11);
  const fs::path good = dir_ / "good.safetensors";
  save_safetensors(good, every_dtype(gen), {{"k", "v"}});
  const std::string bytes = read_bytes(good);
  const fs::path path = dir_ / "mutant.safetensors";
  const auto open_and_load = [&](const std::string& mutant) {
    write_bytes(path, mutant);
    try {
      const SafetensorsFile file = SafetensorsFile::open(path);
      for (const std::string& name : file.names()) file.load(name);
      return true;
    } catch (const Error&) {
      return false;
    }
  };
  for (std::size_t size = 0; size < bytes.size(); ++size) {
    EXPECT_FALSE(open_and_load(bytes.substr(0, size))) << "truncated to " << size << " bytes";
  }
  std::mt19937 rng(5);
  const std::size_t header_end = 8 + header_length(bytes);
  int accepted = 0;
  for (int trial = 0; trial < 1500; ++trial) {
    std::string mutant = bytes;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int i = 0; i < flips; ++i) {
      // Mostly in the header and length, where the parser is exercised.
      const std::size_t limit = rng() % 4 ? header_end : mutant.size();
      mutant[rng() % limit] = static_cast<char>(rng());
    }
    accepted += open_and_load(mutant);
  }
  EXPECT_LT(accepted, 1500);
}

}  // namespace
}  // namespace pare
