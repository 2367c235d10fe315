#include "runtime/io/pytorch_checkpoint.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "runtime/io/safetensors.h"  // SafetensorsFile: the fixtures' expected values
#include "runtime/io/zip_archive.h"  // ZipArchive: the fixtures' entries, to rebuild them as ZIP64
#include "tests/test_support.h"      // ScratchDir, write_bytes, read_bytes, bytes_of, float_bytes, error_of
#include "tests/zip_writer.h"        // build_zip, torch_zip, le

namespace pare {
namespace {

namespace fs = std::filesystem;
using testing::build_zip;
using testing::bytes_of;
using testing::error_of;
using testing::float_bytes;
using testing::le;
using testing::read_bytes;
using testing::ScratchDir;
using testing::torch_zip;
using testing::write_bytes;
using testing::ZipInput;

const fs::path kFixtures = fs::path(PARE_TEST_DATA_DIR) / "torch_checkpoints";

// ---- pickles written by hand, opcode by opcode -----------------------------------------------

// A literal's bytes, NULs included.
template <std::size_t N>
std::string raw(const char (&literal)[N]) {
  return std::string(literal, N - 1);
}

// An opcode byte and its operand (built by appending: GCC 12 misreports `"X" + std::string`).
std::string op(char code, const std::string& operand) {
  std::string out(1, code);
  out += operand;
  return out;
}
std::string p_str(const std::string& s) { return op('X', le(s.size(), 4) + s); }
// BININT for what fits in 32 bits, LONG1 with 8 bytes beyond.
std::string p_int(std::int64_t v) {
  if (v >= INT32_MIN && v <= INT32_MAX) return op('J', le(static_cast<std::uint64_t>(v), 4));
  return std::string("\x8a\x08", 2) + le(static_cast<std::uint64_t>(v), 8);
}
std::string p_global(const std::string& module, const std::string& name) {
  return op('c', module + "\n" + name + "\n");
}
std::string p_tuple(const std::vector<std::string>& items) {
  std::string out = "(";
  for (const std::string& item : items) out += item;
  return out + "t";
}
std::string p_ints(const std::vector<std::int64_t>& values) {
  std::vector<std::string> items;
  for (std::int64_t v : values) items.push_back(p_int(v));
  return p_tuple(items);
}
std::string p_storage(const std::string& type, const std::string& key, std::int64_t numel) {
  return p_tuple({p_str("storage"), p_global("torch", type), p_str(key), p_str("cpu"), p_int(numel)}) + "Q";
}
std::string p_tensor(const std::string& storage, std::int64_t offset, const std::vector<std::int64_t>& size,
                     const std::vector<std::int64_t>& stride) {
  return p_global("torch._utils", "_rebuild_tensor_v2") +
         p_tuple({storage, p_int(offset), p_ints(size), p_ints(stride), "\x89",
                  p_global("collections", "OrderedDict") + ")R"}) +
         "R";
}
std::string p_dict(const std::vector<std::pair<std::string, std::string>>& items) {
  std::string out = "}(";
  for (const auto& [key, value] : items) out += p_str(key) + value;
  return out + "u";
}
std::string p_program(const std::string& body) { return std::string("\x80\x02", 2) + body + "."; }

class PytorchCheckpoint : public ::testing::Test {
 protected:
  NamedTensors load_bytes(const std::string& bytes) {
    const fs::path path = dir_ / "model.bin";
    write_bytes(path, bytes);
    return load_pytorch_checkpoint(path);
  }

  // Expects loading `bytes` to fail with the file's path and every fragment in the message.
  void expect_rejected(const std::string& bytes, const std::vector<std::string>& fragments) {
    const fs::path path = dir_ / "bad.bin";
    write_bytes(path, bytes);
    const std::string error = error_of([&] { load_pytorch_checkpoint(path); });
    ASSERT_FALSE(error.empty()) << "accepted a malformed checkpoint (expected " << ::testing::PrintToString(fragments)
                                << ")";
    EXPECT_NE(error.find(path.string()), std::string::npos) << error;
    for (const std::string& fragment : fragments) EXPECT_NE(error.find(fragment), std::string::npos) << error;
  }

  // True when `bytes` loads, false when it is rejected with pare::Error; anything else fails.
  bool loads(const std::string& bytes) {
    try {
      load_bytes(bytes);
      return true;
    } catch (const Error&) {
      return false;
    }
  }

  ScratchDir scratch_;
  const fs::path dir_ = scratch_.path();
};

void expect_same_tensors(const NamedTensors& loaded, const fs::path& expected_path) {
  const SafetensorsFile expected = SafetensorsFile::open(expected_path);
  const std::vector<std::string> names = expected.names();
  ASSERT_EQ(loaded.size(), names.size());
  for (std::size_t i = 0; i < names.size(); ++i) {
    const auto& [name, tensor] = loaded[i];
    EXPECT_EQ(name, names[i]) << "order differs at " << i;
    const Tensor want = expected.load(names[i]);
    EXPECT_EQ(tensor.dtype(), want.dtype()) << name;
    EXPECT_EQ(tensor.shape(), want.shape()) << name;
    EXPECT_TRUE(tensor.is_contiguous()) << name;
    EXPECT_EQ(tensor.device(), Device::cpu()) << name;
    EXPECT_EQ(bytes_of(tensor), bytes_of(want)) << name;
  }
}

const Tensor& by_name(const NamedTensors& tensors, const std::string& name) {
  for (const auto& [n, t] : tensors) {
    if (n == name) return t;
  }
  throw Error("no tensor " + name);
}

TEST_F(PytorchCheckpoint, LoadsEveryDtypeAndViewExactly) {
  const NamedTensors loaded = load_pytorch_checkpoint(kFixtures / "state.bin");
  expect_same_tensors(loaded, kFixtures / "state.safetensors");

  // Independently of the expected file: the views agree with the tensors they view.
  const Tensor& weight = by_name(loaded, "encoder.weight");
  EXPECT_EQ(bytes_of(by_name(loaded, "encoder.weight_t")), bytes_of(weight.transpose(0, 1)));
  EXPECT_EQ(bytes_of(by_name(loaded, "encoder.tail")), bytes_of(weight.slice(0, 2, 4).slice(1, 1, 4)));
  const Tensor& word = by_name(loaded, "embeddings.word");
  EXPECT_EQ(bytes_of(by_name(loaded, "embeddings.row2")), bytes_of(word.slice(0, 2, 3).reshape({3})));
  // Tied weights load equal but as separate buffers, so changing one leaves the other alone.
  const Tensor& decoder = by_name(loaded, "decoder.weight");
  EXPECT_EQ(bytes_of(decoder), bytes_of(word));
  EXPECT_NE(decoder.raw_data(), word.raw_data());
  EXPECT_EQ(by_name(loaded, "position_ids").to_vector<std::int64_t>(),
            (std::vector<std::int64_t>{0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 7}));
  EXPECT_EQ(by_name(loaded, "scalar").dim(), 0);
  EXPECT_EQ(by_name(loaded, "scalar").item(), 2.5);
  EXPECT_EQ(by_name(loaded, "longs").to_vector<std::int64_t>(),
            (std::vector<std::int64_t>{-(std::int64_t{1} << 62), (std::int64_t{1} << 40) + 3, -1, 0}));
  EXPECT_EQ(by_name(loaded, "mask").to_vector<std::uint8_t>(), (std::vector<std::uint8_t>{1, 0, 1}));
  EXPECT_EQ(by_name(loaded, "empty").shape(), (Shape{0, 4}));
}

TEST_F(PytorchCheckpoint, UnwrapsTheOneDictOfTensors) {
  expect_same_tensors(load_pytorch_checkpoint(kFixtures / "wrapped.bin"), kFixtures / "wrapped.safetensors");
}

TEST_F(PytorchCheckpoint, ReadsZip64Archives) {
  const ZipArchive original = ZipArchive::open(kFixtures / "state.bin");
  std::vector<ZipInput> inputs;
  for (const ZipEntry& e : original.entries()) {
    const auto bytes = original.read(e);
    inputs.push_back({e.name, std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size())});
  }
  const fs::path path = dir_ / "zip64.bin";
  write_bytes(path, build_zip(inputs, /*zip64=*/true));
  const ZipArchive rebuilt = ZipArchive::open(path);
  ASSERT_EQ(rebuilt.entries().size(), original.entries().size());
  for (const ZipEntry& e : original.entries()) {
    const ZipEntry* same = rebuilt.find(e.name);
    ASSERT_NE(same, nullptr) << e.name;
    EXPECT_EQ(same->size, e.size);
    EXPECT_EQ(same->crc32, e.crc32);
    EXPECT_EQ(same->data_offset % 64, 0u) << e.name;
  }
  expect_same_tensors(load_pytorch_checkpoint(path), kFixtures / "state.safetensors");
}

TEST_F(PytorchCheckpoint, HonoursOffsetAndStridesOfAHandWrittenPickle) {
  // Storage 0..5; a 2x2 tensor at offset 1 with strides (1, 2) holds [[1, 3], [2, 4]].
  const std::string pickle = p_program(p_dict({{"w", p_tensor(p_storage("FloatStorage", "0", 6), 1, {2, 2}, {1, 2})},
                                               {"b", p_tensor(p_storage("LongStorage", "1", 2), 0, {2}, {1})}}));
  const std::string longs = le(7, 8) + le(static_cast<std::uint64_t>(-3), 8);
  const NamedTensors loaded = load_bytes(torch_zip(pickle, {{"0", float_bytes({0, 1, 2, 3, 4, 5})}, {"1", longs}}));
  ASSERT_EQ(loaded.size(), 2u);
  EXPECT_EQ(loaded[0].first, "w");
  EXPECT_EQ(loaded[0].second.shape(), (Shape{2, 2}));
  EXPECT_EQ(loaded[0].second.to_vector<float>(), (std::vector<float>{1, 3, 2, 4}));
  EXPECT_EQ(loaded[1].first, "b");
  EXPECT_EQ(loaded[1].second.to_vector<std::int64_t>(), (std::vector<std::int64_t>{7, -3}));
}

TEST_F(PytorchCheckpoint, AcceptsTheOtherRebuildersAndProtocol4Opcodes) {
  const std::string storage = p_storage("FloatStorage", "0", 2);
  const std::string hooks = p_global("collections", "OrderedDict") + ")R";
  const std::string from_type = p_global("torch._tensor", "_rebuild_from_type_v2") +
                                p_tuple({p_global("torch._utils", "_rebuild_tensor_v2"), p_global("torch", "Tensor"),
                                         p_tuple({storage, p_int(0), p_ints({2}), p_ints({1}), "\x89", hooks}), "}"}) +
                                "R";
  const std::string with_state = p_global("torch._utils", "_rebuild_parameter_with_state") +
                                 p_tuple({p_tensor(storage, 1, {}, {}), "\x88", hooks, "}"}) + "R";
  // Protocol 4 spelling: FRAME, SHORT_BINUNICODE, MEMOIZE, STACK_GLOBAL and NEWOBJ for the OrderedDict.
  const std::string body = raw("\x8c\x0b"
                               "collections\x94\x8c\x0b"
                               "OrderedDict\x94\x93\x94)\x81\x94(\x8c\x01"
                               "a") +
                           from_type +
                           raw("\x8c\x01"
                               "b") +
                           with_state + "u.";
  const std::string pickle = std::string("\x80\x04\x95", 3) + le(body.size(), 8) + body;
  const NamedTensors loaded = load_bytes(torch_zip(pickle, {{"0", float_bytes({1.5f, -2.0f})}}));
  ASSERT_EQ(loaded.size(), 2u);
  EXPECT_EQ(loaded[0].first, "a");
  EXPECT_EQ(loaded[0].second.to_vector<float>(), (std::vector<float>{1.5f, -2.0f}));
  EXPECT_EQ(loaded[1].first, "b");
  EXPECT_EQ(loaded[1].second.dim(), 0);
  EXPECT_EQ(loaded[1].second.item(), -2.0);

  const std::string subclass =
      p_global("torch._tensor", "_rebuild_from_type_v2") +
      p_tuple({p_global("torch._utils", "_rebuild_tensor_v2"), p_global("torch", "Tensor"),
               p_tuple({storage, p_int(0), p_ints({2}), p_ints({1}), "\x89", hooks}), p_dict({{"attr", p_int(1)}})}) +
      "R";
  expect_rejected(torch_zip(p_program(p_dict({{"a", subclass}})), {{"0", float_bytes({1, 2})}}),
                  {"tensors with Python attributes are not supported"});
}

TEST_F(PytorchCheckpoint, RejectsLegacyFormatWithAdvice) {
  const std::string error = error_of([] { load_pytorch_checkpoint(kFixtures / "legacy.bin"); });
  EXPECT_NE(error.find("legacy"), std::string::npos) << error;
  EXPECT_NE(error.find("torch.save(torch.load(path), path)"), std::string::npos) << error;
  EXPECT_NE(error.find("legacy.bin"), std::string::npos) << error;
}

TEST_F(PytorchCheckpoint, RejectsGlobalsOutsideTheAllowListWithoutRunningThem) {
  const fs::path marker = "/tmp/pare_pwned";
  fs::remove(marker);
  const std::string error = error_of([] { load_pytorch_checkpoint(kFixtures / "malicious.bin"); });
  EXPECT_NE(error.find("global 'posix.system' is not allowed"), std::string::npos) << error;
  EXPECT_NE(error.find("malicious.bin"), std::string::npos) << error;
  EXPECT_FALSE(fs::exists(marker));

  expect_rejected(torch_zip(p_program(p_global("os", "system") + p_tuple({p_str("echo hi")}) + "R")),
                  {"archive/data.pkl", "GLOBAL", "global 'os.system' is not allowed"});
  expect_rejected(torch_zip(p_program(p_str("builtins") + p_str("eval") + "\x93")),
                  {"STACK_GLOBAL", "global 'builtins.eval' is not allowed"});
  // Allowed names are still only called as what they are.
  expect_rejected(torch_zip(p_program(p_global("torch", "FloatStorage") + p_tuple({}) + "R")),
                  {"REDUCE", "torch.FloatStorage cannot be called"});
  expect_rejected(torch_zip(p_program(p_global("torch._utils", "_rebuild_tensor_v2") + "}" + "\x81")),
                  {"NEWOBJ", "NEWOBJ arguments must be a tuple"});
  expect_rejected(torch_zip(p_program(p_global("torch._utils", "_rebuild_tensor_v2") + p_tuple({}) + "\x81")),
                  {"NEWOBJ may only create collections.OrderedDict"});
  expect_rejected(torch_zip(p_program("]" + p_tuple({}) + "b")), {"BUILD may only set attributes of an OrderedDict"});
}

TEST_F(PytorchCheckpoint, RejectsMalformedPickles) {
  expect_rejected(torch_zip(p_program("I42\n")), {"byte 2", "unknown or unsupported opcode 0x49 ('I')"});
  expect_rejected(torch_zip(std::string("\x80\x02}", 3)), {"without STOP"});
  expect_rejected(torch_zip(std::string("\x80\x09}.", 4)), {"pickle protocol 9"});
  expect_rejected(torch_zip(p_program("K\x01t")), {"TUPLE", "no MARK"});
  expect_rejected(torch_zip(p_program("(s")), {"SETITEM", "would pop past a MARK"});
  expect_rejected(torch_zip(p_program("h\x05")), {"BINGET", "memo entry 5 was never stored"});
  expect_rejected(torch_zip(p_program(raw("X\xff\x00\x00\x00"
                                          "ab"))),
                  {"BINUNICODE", "needs 255 bytes"});
  expect_rejected(torch_zip(p_program(raw("X\x02\x00\x00\x00\xc3\x28"))), {"not valid UTF-8"});
  expect_rejected(torch_zip(p_program(std::string("\x8a\x09", 2) + std::string(9, '\x01'))),
                  {"LONG1", "does not fit in 64 bits"});
  expect_rejected(torch_zip(p_program("K\x01K\x02"
                                      "a")),
                  {"APPEND target must be a list, got a int"});
  // A list appended to itself through the memo: a cycle, which must neither hang nor leak out.
  expect_rejected(torch_zip(p_program(raw("]q\x00h\x00"
                                          "a"))),
                  {"the pickle holds a list, not a dict of tensors"});
}

TEST_F(PytorchCheckpoint, RejectsWhatIsNotAStateDict) {
  const std::string storage = float_bytes({1, 2});
  const std::string tensor = p_tensor(p_storage("FloatStorage", "0", 2), 0, {2}, {1});
  expect_rejected(torch_zip(p_program(p_dict({{"w", tensor}, {"epoch", p_int(3)}})), {{"0", storage}}),
                  {"not a state dict", "'epoch': int"});
  expect_rejected(
      torch_zip(p_program(p_dict({{"a", p_dict({{"w", tensor}})}, {"b", p_dict({{"v", tensor}})}})), {{"0", storage}}),
      {"holds several"});
  expect_rejected(torch_zip(p_program("}" + p_int(1) + tensor + "s"), {{"0", storage}}),
                  {"a int key; tensor names must be strings"});
  expect_rejected(build_zip({{"other/file.txt", "x"}}), {"no '<archive>/data.pkl' entry"});
  expect_rejected(build_zip({{"archive/data.pkl", p_program("}")}, {"archive/byteorder", "big"}}),
                  {"byte order 'big'"});
  // An empty state dict is a valid, empty checkpoint.
  EXPECT_TRUE(load_bytes(torch_zip(p_program("}"))).empty());
}

TEST_F(PytorchCheckpoint, RejectsBadStorages) {
  const std::string four = float_bytes({1, 2, 3, 4});
  const auto with_tensor = [](const std::string& storage_pid, std::int64_t offset, std::vector<std::int64_t> size,
                              std::vector<std::int64_t> stride) {
    return p_program(p_dict({{"w", p_tensor(storage_pid, offset, size, stride)}}));
  };
  expect_rejected(torch_zip(with_tensor(p_storage("FloatStorage", "0", 4), 0, {5}, {1}), {{"0", four}}),
                  {"storage '0' of 4 F32 elements is too small", "size [5]", "(it needs 5)"});
  expect_rejected(torch_zip(with_tensor(p_storage("FloatStorage", "0", 4), 2, {2, 2}, {2, 1}), {{"0", four}}),
                  {"too small", "offset 2"});
  expect_rejected(torch_zip(with_tensor(p_storage("FloatStorage", "0", 4), 0, {4}, {1}), {{"0", four.substr(0, 12)}}),
                  {"needs 16 bytes but entry 'archive/data/0' holds 12"});
  expect_rejected(torch_zip(with_tensor(p_storage("FloatStorage", "7", 4), 0, {4}, {1}), {{"0", four}}),
                  {"the archive has no entry 'archive/data/7'"});
  expect_rejected(torch_zip(with_tensor(p_storage("DoubleStorage", "0", 2), 0, {2}, {1}), {{"0", four}}),
                  {"unsupported tensor storage type torch.DoubleStorage"});
  expect_rejected(torch_zip(with_tensor(p_storage("FloatStorage", "0", 4), 0, {2}, {-1}), {{"0", four}}),
                  {"stride must hold non-negative ints"});
  expect_rejected(torch_zip(with_tensor(p_storage("FloatStorage", "0", 4), 0, {2, 2}, {1}), {{"0", four}}),
                  {"differ in length"});
  // The same key must always describe the same storage.
  expect_rejected(torch_zip(p_program(p_dict({{"a", p_tensor(p_storage("FloatStorage", "0", 4), 0, {4}, {1})},
                                              {"b", p_tensor(p_storage("IntStorage", "0", 4), 0, {4}, {1})}})),
                            {{"0", four}}),
                  {"storage '0' is referenced as 4 I32 elements after 4 F32"});
  // Zero strides may not turn a few bytes into terabytes.
  expect_rejected(torch_zip(with_tensor(p_storage("FloatStorage", "0", 1), 0, {std::int64_t{1} << 40}, {0}),
                            {{"0", four.substr(0, 4)}}),
                  {"tensor 'w' brings the tensors to", "a crafted file?"});
  std::vector<ZipInput> compressed{{"archive/data.pkl", with_tensor(p_storage("FloatStorage", "0", 4), 0, {4}, {1})},
                                   {"archive/data/0", four, 8}};
  expect_rejected(build_zip(compressed), {"entry 'archive/data/0' is compressed (method 8)"});
}

TEST_F(PytorchCheckpoint, RejectsBrokenZipStructure) {
  const std::string good = read_bytes(kFixtures / "state.bin");
  expect_rejected("", {"too short for a zip archive"});
  expect_rejected(good.substr(0, good.size() - 30), {"no end-of-central-directory record"});

  // torch.save always writes the ZIP64 end records, so both pairs of records are tried here.
  const std::size_t end = good.rfind(std::string("PK\x05\x06", 4));
  const std::size_t end64 = good.rfind(std::string("PK\x06\x06", 4));
  ASSERT_NE(end, std::string::npos);
  ASSERT_NE(end64, std::string::npos);
  std::string bad_directory = good;
  bad_directory.replace(end64 + 48, 8, le(good.size(), 8));
  bad_directory.replace(end + 16, 4, le(0xFFFFFFFF, 4));
  expect_rejected(bad_directory, {"central directory", "reaches past its end record"});
  std::string disagreeing = good;
  disagreeing.replace(end + 10, 2, le(3, 2));
  expect_rejected(disagreeing, {"the end records disagree on the entry count (3 vs ZIP64 14)"});
  std::string bad_locator = good;
  bad_locator.replace(end - 12, 8, le(end - 10, 8));
  expect_rejected(bad_locator, {"ZIP64 end record offset"});
  const std::string classic = build_zip({{"archive/data.pkl", p_program("}")}});
  std::string bad_classic = classic;
  bad_classic.replace(classic.size() - 6, 4, le(classic.size(), 4));
  expect_rejected(bad_classic, {"central directory", "reaches past its end record"});

  const std::size_t central = good.find(std::string("PK\x01\x02", 4));
  ASSERT_NE(central, std::string::npos);
  std::string bad_local = good;
  bad_local.replace(central + 42, 4, le(1000000, 4));
  expect_rejected(bad_local, {"entry 'state/data.pkl'", "no local header at offset 1000000"});

  std::string bad_size = good;
  bad_size.replace(central + 20, 8, le(1000000, 4) + le(1000000, 4));
  expect_rejected(bad_size, {"entry 'state/data.pkl'", "reach past the central directory"});

  std::string bad_crc = good;
  bad_crc.replace(central + 16, 4, le(0x12345678, 4));
  expect_rejected(bad_crc, {"entry 'state/data.pkl' is corrupt: CRC-32"});

  // A flipped bit inside a tensor's storage, the directory untouched.
  const ZipArchive archive = ZipArchive::open(kFixtures / "state.bin");
  const ZipEntry* storage = nullptr;
  for (const ZipEntry& e : archive.entries()) {
    if (e.name.find("/data/") != std::string::npos && e.size > 0) storage = &e;
  }
  ASSERT_NE(storage, nullptr);
  std::string bad_weight = good;
  bad_weight[storage->data_offset] = static_cast<char>(bad_weight[storage->data_offset] ^ 0x01);
  expect_rejected(bad_weight, {"entry '" + storage->name + "' is corrupt: CRC-32"});

  std::string twice = build_zip({{"archive/data.pkl", p_program("}")}, {"archive/data.pkl", p_program("}")}});
  expect_rejected(twice, {"entry 'archive/data.pkl' appears twice"});
}

TEST_F(PytorchCheckpoint, MemoRepeatsCostNoMoreThanTheirBytes) {
  const auto start = std::chrono::steady_clock::now();
  // One 100 KB key set 100000 times in a dict through the memo: must not rehash 10 GB.
  std::string body = std::string("}") + p_str(std::string(100000, 'k')) + raw("q\x01") + "K\x01s";
  for (int i = 0; i < 100000; ++i) body += raw("h\x01K\x02s");
  expect_rejected(torch_zip(p_program(body)), {"not a state dict", "'kkkkkkkkkk", "...': int"});
  // One dict of 50000 tensors under 100000 root keys: must not be scanned 100000 times.
  const std::string four = float_bytes({1, 2, 3, 4});
  std::string inner = std::string("}(") + p_tensor(p_storage("FloatStorage", "0", 4), 0, {4}, {1}) + raw("q\x02") + "0";
  for (int i = 0; i < 50000; ++i) inner += p_int(i) + raw("h\x02");
  std::string root = std::string("}(") + p_int(-1) + inner + "u" + raw("q\x03");
  for (int i = 0; i < 100000; ++i) root += p_int(i) + raw("h\x03");
  expect_rejected(torch_zip(p_program(root + "u"), {{"0", four}}), {"a int key; tensor names must be strings"});
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), 10.0);

  expect_rejected(torch_zip(p_program(p_str("torch") + p_str(std::string(300, 'x')) + "\x93")),
                  {"STACK_GLOBAL", "a global name longer than 256 bytes"});
  expect_rejected(
      torch_zip(p_program(p_dict({{"w", p_tensor(p_storage("FloatStorage", std::string(100, '1'), 4), 0, {4}, {1})}}))),
      {"a storage key of 100 bytes"});
}

TEST_F(PytorchCheckpoint, SurvivesTruncationAndCorruption) {
  const std::string good = read_bytes(kFixtures / "state.bin");
  for (std::size_t size = 0; size < good.size(); size += 5) {
    EXPECT_FALSE(loads(good.substr(0, size))) << "truncated to " << size << " bytes";
  }
  // Mutate the pickle itself, re-zipped with a matching CRC so that the unpickler sees every mutant.
  const ZipArchive original = ZipArchive::open(kFixtures / "state.bin");
  std::vector<ZipInput> inputs;
  std::size_t pickle_index = 0;
  for (const ZipEntry& e : original.entries()) {
    if (e.name.ends_with("data.pkl")) pickle_index = inputs.size();
    const auto bytes = original.read(e);
    inputs.push_back({e.name, std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size())});
  }
  ASSERT_TRUE(loads(build_zip(inputs)));
  const std::string pickle = inputs[pickle_index].data;
  int accepted = 0, trials = 0;
  for (std::size_t at = 0; at < pickle.size(); ++at) {
    for (unsigned char value : {0x00, 0xff}) {
      if (static_cast<unsigned char>(pickle[at]) == value) continue;
      inputs[pickle_index].data = pickle;
      inputs[pickle_index].data[at] = static_cast<char>(value);
      accepted += loads(build_zip(inputs));
      ++trials;
    }
  }
  EXPECT_LT(accepted, trials / 2);
}

}  // namespace
}  // namespace pare
