// The typed JSON reader (runtime/io/json_reader.h) and what the parser refuses before it
// (runtime/io/json_file.h): every refusal names the source, the field's path and the value as
// written; numbers are never wrapped or rounded into a field; null is absent; unknown keys are
// refused or handed back, as each object chooses.
#include "runtime/io/json_reader.h"

#include <gtest/gtest.h>

#include <cmath>

#include "runtime/io/json_file.h"
#include "tests/test_support.h"

namespace pare {
namespace {

using nlohmann::json;
using testing::error_of;
using testing::has;

TEST(JsonParse, DuplicateKeysAreRefusedNamingThePath) {
  EXPECT_TRUE(has(error_of([] { parse_json(R"({"a": 1, "a": 2})", "f.json"); }), "f.json: field \"a\" is given twice"));
  EXPECT_TRUE(has(error_of([] { parse_json(R"({"s": [{"x": 1}, {"y": {"k": 1, "k": 1}}]})", "f.json"); }),
                  "f.json: field \"s[1].y.k\" is given twice"));
  // The same key in different objects is no duplicate.
  EXPECT_NO_THROW(parse_json(R"({"a": {"k": 1}, "b": {"k": 1}, "c": [{"k": 1}, {"k": 2}]})", "f.json"));
}

TEST(JsonParse, NumbersBeyondADoubleOr64BitsAreRefusedAsWritten) {
  EXPECT_TRUE(has(error_of([] { parse_json(R"({"s": [1, {"lr": 1e400}]})", "f.json"); }),
                  "f.json: field \"s[1].lr\" is 1e400, beyond the range of a double"));
  EXPECT_TRUE(has(error_of([] { parse_json(R"([2, -1E+999])", "f.json"); }),
                  "f.json: field \"[1]\" is -1E+999, beyond the range of a double"));
  EXPECT_TRUE(has(error_of([] { parse_json(R"({"n": 100000000000000000000})", "f.json"); }),
                  "f.json: field \"n\" is 100000000000000000000, beyond the 64-bit integers"));
  EXPECT_TRUE(has(error_of([] { parse_json("-9223372036854775809", "f.json"); }),
                  "f.json: the document is -9223372036854775809, beyond the 64-bit integers"));
  // The extremes of both integer types are numbers; whether a field takes them is the reader's call.
  EXPECT_EQ(parse_json("18446744073709551615", "f.json").get<std::uint64_t>(), 18446744073709551615u);
  EXPECT_EQ(parse_json("-9223372036854775808", "f.json").get<std::int64_t>(), INT64_MIN);
}

TEST(JsonParse, MinusZeroStaysNegativeZero) {
  const json zero = parse_json("-0", "f.json");
  ASSERT_TRUE(zero.is_number_float());
  EXPECT_TRUE(std::signbit(zero.get<double>()));
  EXPECT_TRUE(parse_json("0", "f.json").is_number_unsigned());
}

TEST(JsonParse, SyntaxErrorsNameTheSource) {
  EXPECT_TRUE(has(error_of([] { parse_json("{\"a\": [1,", "f.json"); }), "f.json: not valid JSON"));
  EXPECT_TRUE(has(error_of([] { parse_json("", "f.json"); }), "f.json: not valid JSON"));
}

// One object, read by a reader at `path` of document "f.json".
json object(const std::string& text) { return parse_json(text, "f.json"); }

TEST(JsonReader, IntegersMustFitTheFieldAsWritten) {
  struct Case {
    std::string written;
    std::string message;
  };
  const std::string k2To53Minus1 = "9007199254740991 (2^53 - 1: JSON tools disagree on larger integers)";
  // Each is refused for an int64 of at least 1, quoted as written.
  for (const Case& c :
       {Case{"18446744073709551615", "must be at most " + k2To53Minus1 + ", got 18446744073709551615"},
        Case{"9223372036854775808", "must be at most " + k2To53Minus1 + ", got 9223372036854775808"},
        Case{"9007199254740992", "must be at most " + k2To53Minus1 + ", got 9007199254740992"},
        Case{"-0", "must be an integer of at least 1, got -0"}, Case{"0", "must be at least 1, got 0"},
        Case{"3.5", "must be an integer of at least 1, got 3.5"},
        Case{"1e2", "must be an integer of at least 1, got 100.0"}, Case{"-1", "must be at least 1, got -1"},
        Case{"\"12\"", "must be an integer of at least 1, got \"12\""},
        Case{"true", "must be an integer of at least 1, got true"},
        Case{"[1]", "must be an integer of at least 1, got [1]"}}) {
    SCOPED_TRACE(c.written);
    const json j = object(std::string(R"({"n": )") + c.written + "}");
    const JsonReader r(j, "f.json", "stages[2]", UnknownKeys::refuse);
    EXPECT_TRUE(has(error_of([&] { r.required<std::int64_t>("n", {.min = 1}); }),
                    std::string("f.json: field \"stages[2].n\" ") + c.message));
  }
  const json j = object(R"({"max": 9007199254740991, "min": -9007199254740991, "below": -9007199254740992,
                            "u": 18446744073709551615, "f": 1.5})");
  const JsonReader r(j, "f.json", "", UnknownKeys::refuse);
  EXPECT_EQ(r.required<std::int64_t>("max"), (std::int64_t{1} << 53) - 1);
  EXPECT_EQ(r.required<std::int64_t>("min"), -(std::int64_t{1} << 53) + 1);
  EXPECT_TRUE(has(error_of([&] { r.required<std::int64_t>("below"); }),
                  "field \"below\" must be at least -9007199254740991 (-(2^53 - 1): JSON tools disagree on larger "
                  "integers), got -9007199254740992"));
  // A bit pattern takes every uint64; a quantity stops below 2^53.
  EXPECT_EQ(r.required<std::uint64_t>("u", kBitPattern), UINT64_MAX);
  EXPECT_TRUE(has(error_of([&] { r.required<std::uint64_t>("u"); }), "field \"u\" must be at most 9007199254740991"));
  EXPECT_TRUE(has(error_of([&] { r.required<std::int64_t>("max", {.max = 10}); }),
                  "field \"max\" must be at most 10, got 9007199254740991"));
  EXPECT_TRUE(has(error_of([&] { r.required<std::int64_t>("f", {.min = 0, .max = 10}); }),
                  "field \"f\" must be an integer in [0, 10], got 1.5"));
  EXPECT_TRUE(has(error_of([&] { r.required<std::int64_t>("f"); }), "field \"f\" must be an integer, got 1.5"));
}

TEST(JsonReader, UnsignedFieldsRefuseNegativesAndMinusZero) {
  const json j = object(R"({"a": -1, "b": -0, "c": -9223372036854775808})");
  const JsonReader r(j, "f.json", "", UnknownKeys::refuse);
  EXPECT_TRUE(has(error_of([&] { r.required<std::uint64_t>("a"); }), "field \"a\" must be at least 0, got -1"));
  EXPECT_TRUE(
      has(error_of([&] { r.required<std::uint64_t>("b"); }), "field \"b\" must be an integer of at least 0, got -0"));
  EXPECT_TRUE(has(error_of([&] { r.required<std::uint64_t>("c"); }),
                  "field \"c\" must be at least 0, got -9223372036854775808"));
}

TEST(JsonReader, NumbersMustBeFiniteAndWithinBounds) {
  const json j = object(R"({"p": 1.5, "q": -0.25, "s": "0.5", "b": false, "i": 3})");
  const JsonReader r(j, "f.json", "x", UnknownKeys::refuse);
  EXPECT_TRUE(has(error_of([&] { r.required<double>("p", {.min = 0.0, .max = 1.0}); }),
                  "f.json: field \"x.p\" must be a number in [0, 1], got 1.5"));
  EXPECT_TRUE(has(error_of([&] { r.required<double>("q", {.min = 0.0}); }),
                  "field \"x.q\" must be a number of at least 0, got -0.25"));
  EXPECT_TRUE(has(error_of([&] { r.required<double>("s"); }), "field \"x.s\" must be a finite number, got \"0.5\""));
  EXPECT_TRUE(has(error_of([&] { r.required<double>("b"); }), "field \"x.b\" must be a finite number, got false"));
  EXPECT_EQ(r.required<double>("i"), 3.0);
  // A document built in code may hold what no parsed text can.
  const json built = {{"inf", std::numeric_limits<double>::infinity()}};
  EXPECT_TRUE(has(error_of([&] { JsonReader(built, "code", "", UnknownKeys::refuse).required<double>("inf"); }),
                  "field \"inf\" must be a finite number"));
}

TEST(JsonReader, NullIsAbsentAndRequiredFieldsAreNamed) {
  const json j = object(R"({"a": null, "b": 2, "s": "x", "t": true})");
  const JsonReader r(j, "f.json", "p", UnknownKeys::refuse);
  EXPECT_FALSE(r.has("a"));
  EXPECT_EQ(r.get<std::int64_t>("a", 7), 7);
  EXPECT_EQ(r.optional<std::int64_t>("a"), std::nullopt);
  EXPECT_EQ(r.optional<std::int64_t>("b"), 2);
  EXPECT_EQ(r.get<std::string>("s", ""), "x");
  EXPECT_TRUE(r.get<bool>("t", false));
  EXPECT_TRUE(has(error_of([&] { r.required<std::int64_t>("a"); }), "f.json: field \"p.a\" is required"));
  EXPECT_TRUE(has(error_of([&] { r.required<std::string>("missing"); }), "f.json: field \"p.missing\" is required"));
  EXPECT_TRUE(has(error_of([&] { r.required<bool>("s"); }), "field \"p.s\" must be true or false, got \"x\""));
  EXPECT_TRUE(has(error_of([&] { r.required<std::string>("b"); }), "field \"p.b\" must be a string, got 2"));
}

TEST(JsonReader, ListsNameTheElement) {
  const json j = object(R"({"l": [1, 2, -3], "x": 4})");
  const JsonReader r(j, "f.json", "", UnknownKeys::refuse);
  EXPECT_EQ(r.list<std::int64_t>("l"), (std::vector<std::int64_t>{1, 2, -3}));
  EXPECT_TRUE(
      has(error_of([&] { r.list<std::int64_t>("l", {.min = 1}); }), "field \"l[2]\" must be at least 1, got -3"));
  EXPECT_TRUE(has(error_of([&] { r.list<std::int64_t>("x"); }), "field \"x\" must be a list, got 4"));
  EXPECT_TRUE(r.list<std::string>("absent").empty());
}

TEST(JsonReader, UnknownKeysAreRefusedOrHandedBackAsTheObjectChooses) {
  const json j = object(R"({"steps": 1, "stpes": 2, "lr": null})");
  const JsonReader strict(j, "f.json", "stages[0]", UnknownKeys::refuse);
  strict.required<std::int64_t>("steps");
  strict.has("lr");
  strict.skip("batch");
  EXPECT_TRUE(
      has(error_of([&] { strict.finish(); }), "f.json: unknown field \"stages[0].stpes\" (known: batch, lr, steps)"));
  const JsonReader lenient(j, "f.json", "", UnknownKeys::allow);
  lenient.required<std::int64_t>("steps");
  EXPECT_EQ(lenient.finish(), (std::vector<std::string>{"lr", "stpes"}));
}

TEST(JsonReader, MembersAndNonObjects) {
  const json j = object(R"({"inner": {"k": 1}, "n": 5})");
  const JsonReader r(j, "f.json", "", UnknownKeys::refuse);
  const JsonReader inner = r.member("inner", UnknownKeys::refuse);
  EXPECT_EQ(inner.path(), "inner");
  EXPECT_TRUE(has(error_of([&] { inner.required<std::int64_t>("k", {.min = 2}); }), "field \"inner.k\""));
  EXPECT_TRUE(has(error_of([&] { r.member("n", UnknownKeys::refuse); }), "field \"n\" must be a JSON object, got 5"));
  EXPECT_TRUE(has(error_of([&] { r.member("absent", UnknownKeys::refuse); }), "field \"absent\" is required"));
  EXPECT_TRUE(has(error_of([] { JsonReader(json::array(), "f.json", "", UnknownKeys::refuse); }),
                  "f.json: the document must be a JSON object, got []"));
}

TEST(JsonReader, CheckAndFailNameTheFieldAndValue) {
  const json j = object(R"({"name": "../x"})");
  const JsonReader r(j, "f.json", "stages[1]", UnknownKeys::refuse);
  EXPECT_NO_THROW(r.check(true, "name", "must be a directory name"));
  EXPECT_TRUE(has(error_of([&] { r.check(false, "name", "must be a directory name"); }),
                  "f.json: field \"stages[1].name\" must be a directory name, got \"../x\""));
}

}  // namespace
}  // namespace pare
