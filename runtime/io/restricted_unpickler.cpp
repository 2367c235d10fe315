#include "runtime/io/restricted_unpickler.h"

#include <bit>
#include <cmath>
#include <cstring>
#include <ios>
#include <optional>
#include <unordered_map>

#include "runtime/error.h"
#include "runtime/io/little_endian.h"  // read_little_endian

namespace pare::pickle {
namespace {

// Opcode bytes, named as in CPython's pickle module.
enum Op : unsigned char {
  kMark = '(',
  kStop = '.',
  kPop = '0',
  kPopMark = '1',
  kDup = '2',
  kBinInt = 'J',
  kBinInt1 = 'K',
  kBinInt2 = 'M',
  kNone = 'N',
  kBinPersId = 'Q',
  kReduce = 'R',
  kBinUnicode = 'X',
  kEmptyList = ']',
  kAppend = 'a',
  kBuild = 'b',
  kGlobal = 'c',
  kDict = 'd',
  kEmptyDict = '}',
  kAppends = 'e',
  kBinGet = 'h',
  kLongBinGet = 'j',
  kList = 'l',
  kBinPut = 'q',
  kLongBinPut = 'r',
  kSetItem = 's',
  kTuple = 't',
  kEmptyTuple = ')',
  kSetItems = 'u',
  kBinFloat = 'G',
  kBinBytes = 'B',
  kShortBinBytes = 'C',
  kProto = 0x80,
  kNewObj = 0x81,
  kTuple1 = 0x85,
  kTuple2 = 0x86,
  kTuple3 = 0x87,
  kNewTrue = 0x88,
  kNewFalse = 0x89,
  kLong1 = 0x8a,
  kLong4 = 0x8b,
  kShortBinUnicode = 0x8c,
  kBinUnicode8 = 0x8d,
  kBinBytes8 = 0x8e,
  kStackGlobal = 0x93,
  kMemoize = 0x94,
  kFrame = 0x95,
};

constexpr int kHighestProtocol = 5;
// Module and attribute names are Python identifiers; real ones are far shorter.
constexpr std::size_t kMaxGlobalName = 256;

std::string opcode_name(unsigned char op) {
  switch (op) {
    case kMark:
      return "MARK";
    case kStop:
      return "STOP";
    case kPop:
      return "POP";
    case kPopMark:
      return "POP_MARK";
    case kDup:
      return "DUP";
    case kBinInt:
      return "BININT";
    case kBinInt1:
      return "BININT1";
    case kBinInt2:
      return "BININT2";
    case kNone:
      return "NONE";
    case kBinPersId:
      return "BINPERSID";
    case kReduce:
      return "REDUCE";
    case kBinUnicode:
      return "BINUNICODE";
    case kEmptyList:
      return "EMPTY_LIST";
    case kAppend:
      return "APPEND";
    case kBuild:
      return "BUILD";
    case kGlobal:
      return "GLOBAL";
    case kDict:
      return "DICT";
    case kEmptyDict:
      return "EMPTY_DICT";
    case kAppends:
      return "APPENDS";
    case kBinGet:
      return "BINGET";
    case kLongBinGet:
      return "LONG_BINGET";
    case kList:
      return "LIST";
    case kBinPut:
      return "BINPUT";
    case kLongBinPut:
      return "LONG_BINPUT";
    case kSetItem:
      return "SETITEM";
    case kTuple:
      return "TUPLE";
    case kEmptyTuple:
      return "EMPTY_TUPLE";
    case kSetItems:
      return "SETITEMS";
    case kBinFloat:
      return "BINFLOAT";
    case kBinBytes:
      return "BINBYTES";
    case kShortBinBytes:
      return "SHORT_BINBYTES";
    case kProto:
      return "PROTO";
    case kNewObj:
      return "NEWOBJ";
    case kTuple1:
      return "TUPLE1";
    case kTuple2:
      return "TUPLE2";
    case kTuple3:
      return "TUPLE3";
    case kNewTrue:
      return "NEWTRUE";
    case kNewFalse:
      return "NEWFALSE";
    case kLong1:
      return "LONG1";
    case kLong4:
      return "LONG4";
    case kShortBinUnicode:
      return "SHORT_BINUNICODE";
    case kBinUnicode8:
      return "BINUNICODE8";
    case kBinBytes8:
      return "BINBYTES8";
    case kStackGlobal:
      return "STACK_GLOBAL";
    case kMemoize:
      return "MEMOIZE";
    case kFrame:
      return "FRAME";
    default:
      return "";
  }
}

// Structural UTF-8 check (lead and continuation bytes, no over-long two-byte forms). Surrogates
// pass, as pickle encodes strings with 'surrogatepass'.
bool is_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    std::size_t extra = 0;
    if (lead < 0x80)
      extra = 0;
    else if (lead >= 0xC2 && lead < 0xE0)
      extra = 1;
    else if (lead >= 0xE0 && lead < 0xF0)
      extra = 2;
    else if (lead >= 0xF0 && lead < 0xF5)
      extra = 3;
    else
      return false;
    if (extra > text.size() - i - 1) return false;
    for (std::size_t k = 1; k <= extra; ++k) {
      if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) return false;
    }
    i += extra + 1;
  }
  return true;
}

using KeyId = std::pair<char, std::int64_t>;

// A key's identity for dict lookups, following Python's equalities between bool, int and float;
// nullopt for keys compared by identity here (tuples, objects).
std::optional<KeyId> key_id(const Value& key) {
  switch (key.kind) {
    case Value::Kind::none:
      return KeyId{'n', 0};
    case Value::Kind::boolean:
      return KeyId{'i', key.boolean ? 1 : 0};
    case Value::Kind::integer:
      return KeyId{'i', key.integer};
    case Value::Kind::floating: {
      const double v = key.floating;
      if (std::isfinite(v) && v == std::trunc(v) && std::fabs(v) < 9.2e18)
        return KeyId{'i', static_cast<std::int64_t>(v)};
      return KeyId{'f', std::bit_cast<std::int64_t>(v)};
    }
    case Value::Kind::string:
      return KeyId{'s', key.text_id};
    case Value::Kind::bytes:
      return KeyId{'b', key.text_id};
    default:
      return std::nullopt;
  }
}

// dict[key] = value: a repeated key keeps its place and takes the new value, as in Python.
void set_item(Value& dict, Value* key, Value* value) {
  if (const std::optional<KeyId> id = key_id(*key)) {
    const auto [it, inserted] = dict.key_positions.emplace(*id, dict.entries.size());
    if (!inserted) {
      dict.entries[it->second].second = value;
      return;
    }
  }
  dict.entries.emplace_back(key, value);
}

class Machine {
 public:
  Machine(std::span<const unsigned char> bytes, UnpicklerHost& host, Arena& arena, std::string_view source)
      : bytes_(bytes), host_(host), arena_(arena), source_(source) {}

  Value& run() {
    while (pos_ < bytes_.size()) {
      op_pos_ = pos_;
      op_ = bytes_[pos_++];
      if (op_ == kStop) return *pop();
      step();
    }
    fail_at_end();
  }

 private:
  template <typename... Parts>
  [[noreturn]] void fail(const Parts&... parts) const {
    const std::string name = opcode_name(op_);
    throw Error(detail::concat(source_, ": byte ", op_pos_, " (", name.empty() ? "?" : name, "): ", parts...));
  }

  [[noreturn]] void fail_at_end() const {
    throw Error(detail::concat(source_, ": the pickle ends at byte ", bytes_.size(), " without STOP (truncated?)"));
  }

  // Runs a host callback, prefixing its errors with where in the pickle they happened.
  template <typename F>
  Value* ask_host(F&& f) {
    Value* result = nullptr;
    try {
      result = f();
    } catch (const Error& e) {
      fail(e.what());
    }
    if (result == nullptr) fail("the host returned nothing");
    return result;
  }

  const unsigned char* take(std::uint64_t count) {
    if (count > bytes_.size() - pos_) {
      fail("needs ", count, " bytes but only ", bytes_.size() - pos_, " remain (truncated?)");
    }
    const unsigned char* at = bytes_.data() + pos_;
    pos_ += count;
    return at;
  }

  std::uint64_t take_uint(int count) { return read_little_endian(take(static_cast<std::uint64_t>(count)), count); }

  // Little-endian two's complement of `count` bytes, as LONG1/LONG4 store them.
  std::int64_t take_long(std::uint64_t count) {
    if (count > 8) fail("an integer of ", count, " bytes does not fit in 64 bits");
    if (count == 0) return 0;
    std::uint64_t value = take_uint(static_cast<int>(count));
    if (count < 8 && (value >> (8 * count - 1)) & 1) value |= ~std::uint64_t{0} << (8 * count);
    return static_cast<std::int64_t>(value);
  }

  std::string take_line() {
    const unsigned char* begin = bytes_.data() + pos_;
    const void* newline = std::memchr(begin, '\n', bytes_.size() - pos_);
    if (newline == nullptr) fail("a name without its terminating newline (truncated?)");
    const auto length = static_cast<std::size_t>(static_cast<const unsigned char*>(newline) - begin);
    pos_ += length + 1;
    std::string line(reinterpret_cast<const char*>(begin), length);
    if (!is_utf8(line)) fail("a name that is not UTF-8");
    return line;
  }

  void push_text(Value::Kind kind, std::uint64_t length) {
    const unsigned char* at = take(length);
    Value* v = arena_.make(kind);
    v->text.assign(reinterpret_cast<const char*>(at), static_cast<std::size_t>(length));
    if (kind == Value::Kind::string && !is_utf8(v->text)) fail("a string that is not valid UTF-8");
    // Values never move in the arena, so the view stays valid as the table's key.
    auto& ids = kind == Value::Kind::string ? string_ids_ : bytes_ids_;
    v->text_id = ids.emplace(std::string_view(v->text), static_cast<std::int64_t>(ids.size())).first->second;
    push(v);
  }

  // The stack above the innermost MARK is all an opcode may pop.
  std::size_t frame_base() const { return marks_.empty() ? 0 : marks_.back(); }
  void push(Value* v) { stack_.push_back(v); }
  Value* pop() {
    if (stack_.size() <= frame_base()) fail(marks_.empty() ? "the stack is empty" : "would pop past a MARK");
    Value* v = stack_.back();
    stack_.pop_back();
    return v;
  }
  Value* top() {
    if (stack_.size() <= frame_base()) fail(marks_.empty() ? "the stack is empty" : "reads past a MARK");
    return stack_.back();
  }
  std::vector<Value*> pop_mark() {
    if (marks_.empty()) fail("no MARK to pop to");
    const std::size_t base = marks_.back();
    marks_.pop_back();
    std::vector<Value*> items(stack_.begin() + static_cast<std::ptrdiff_t>(base), stack_.end());
    stack_.resize(base);
    return items;
  }
  Value* expect(Value* v, Value::Kind kind, const char* role) {
    if (!v->is(kind)) fail(role, " must be a ", kind_name(kind), ", got a ", kind_name(v->kind));
    return v;
  }

  Value* make_sequence(Value::Kind kind, std::vector<Value*> items) {
    Value* v = arena_.make(kind);
    v->items = std::move(items);
    return v;
  }
  void set_items(Value* dict, const std::vector<Value*>& items) {
    if (items.size() % 2 != 0) fail("an odd number (", items.size(), ") of keys and values");
    for (std::size_t i = 0; i < items.size(); i += 2) set_item(*dict, items[i], items[i + 1]);
  }

  void memo_put(std::uint64_t index) { memo_[index] = top(); }
  void memo_get(std::uint64_t index) {
    const auto it = memo_.find(index);
    if (it == memo_.end()) fail("memo entry ", index, " was never stored");
    push(it->second);
  }

  Value* make_global(const std::string& module, const std::string& name) {
    if (module.size() > kMaxGlobalName || name.size() > kMaxGlobalName) {
      fail("a global name longer than ", kMaxGlobalName, " bytes");
    }
    return ask_host([&] { return host_.find_global(arena_, module, name); });
  }

  void step() {
    switch (op_) {
      case kProto: {
        const std::uint64_t version = take_uint(1);
        if (version > kHighestProtocol) fail("pickle protocol ", version, " is newer than ", kHighestProtocol);
        return;
      }
      case kFrame: {
        const std::uint64_t length = take_uint(8);
        if (length > bytes_.size() - pos_) fail("a frame of ", length, " bytes overruns the pickle (truncated?)");
        return;
      }
      case kMark:
        marks_.push_back(stack_.size());
        return;
      case kPop:
        if (stack_.size() == frame_base() && !marks_.empty())
          marks_.pop_back();
        else
          pop();
        return;
      case kPopMark:
        pop_mark();
        return;
      case kDup:
        push(top());
        return;
      case kNone:
        push(arena_.make(Value::Kind::none));
        return;
      case kNewTrue:
      case kNewFalse: {
        Value* v = arena_.make(Value::Kind::boolean);
        v->boolean = op_ == kNewTrue;
        push(v);
        return;
      }
      case kBinInt:
        push_integer(static_cast<std::int32_t>(static_cast<std::uint32_t>(take_uint(4))));
        return;
      case kBinInt1:
        push_integer(static_cast<std::int64_t>(take_uint(1)));
        return;
      case kBinInt2:
        push_integer(static_cast<std::int64_t>(take_uint(2)));
        return;
      case kLong1:
        push_integer(take_long(take_uint(1)));
        return;
      case kLong4:
        push_integer(take_long(take_uint(4)));
        return;
      case kBinFloat: {
        const unsigned char* at = take(8);
        std::uint64_t bits = 0;
        for (int i = 0; i < 8; ++i) bits = (bits << 8) | at[i];  // big-endian, unlike everything else
        Value* v = arena_.make(Value::Kind::floating);
        v->floating = std::bit_cast<double>(bits);
        push(v);
        return;
      }
      case kBinUnicode:
        push_text(Value::Kind::string, take_uint(4));
        return;
      case kShortBinUnicode:
        push_text(Value::Kind::string, take_uint(1));
        return;
      case kBinUnicode8:
        push_text(Value::Kind::string, take_uint(8));
        return;
      case kBinBytes:
        push_text(Value::Kind::bytes, take_uint(4));
        return;
      case kShortBinBytes:
        push_text(Value::Kind::bytes, take_uint(1));
        return;
      case kBinBytes8:
        push_text(Value::Kind::bytes, take_uint(8));
        return;
      case kEmptyTuple:
        push(make_sequence(Value::Kind::tuple, {}));
        return;
      case kTuple:
        push(make_sequence(Value::Kind::tuple, pop_mark()));
        return;
      case kTuple1:
      case kTuple2:
      case kTuple3: {
        std::vector<Value*> items(static_cast<std::size_t>(op_ - kTuple1 + 1));
        for (auto it = items.rbegin(); it != items.rend(); ++it) *it = pop();
        push(make_sequence(Value::Kind::tuple, std::move(items)));
        return;
      }
      case kEmptyList:
        push(make_sequence(Value::Kind::list, {}));
        return;
      case kList:
        push(make_sequence(Value::Kind::list, pop_mark()));
        return;
      case kAppend: {
        Value* item = pop();
        expect(top(), Value::Kind::list, "the APPEND target")->items.push_back(item);
        return;
      }
      case kAppends: {
        std::vector<Value*> items = pop_mark();
        Value* list = expect(top(), Value::Kind::list, "the APPENDS target");
        list->items.insert(list->items.end(), items.begin(), items.end());
        return;
      }
      case kEmptyDict:
        push(arena_.make(Value::Kind::dict));
        return;
      case kDict: {
        std::vector<Value*> items = pop_mark();
        Value* dict = arena_.make(Value::Kind::dict);
        set_items(dict, items);
        push(dict);
        return;
      }
      case kSetItem: {
        Value* value = pop();
        Value* key = pop();
        set_item(*expect(top(), Value::Kind::dict, "the SETITEM target"), key, value);
        return;
      }
      case kSetItems: {
        std::vector<Value*> items = pop_mark();
        set_items(expect(top(), Value::Kind::dict, "the SETITEMS target"), items);
        return;
      }
      case kBinPut:
        memo_put(take_uint(1));
        return;
      case kLongBinPut:
        memo_put(take_uint(4));
        return;
      case kMemoize:
        memo_put(memo_.size());
        return;
      case kBinGet:
        memo_get(take_uint(1));
        return;
      case kLongBinGet:
        memo_get(take_uint(4));
        return;
      case kGlobal: {
        const std::string module = take_line();
        const std::string name = take_line();
        push(make_global(module, name));
        return;
      }
      case kStackGlobal: {
        Value* name = expect(pop(), Value::Kind::string, "the STACK_GLOBAL name");
        Value* module = expect(pop(), Value::Kind::string, "the STACK_GLOBAL module");
        push(make_global(module->text, name->text));
        return;
      }
      case kReduce: {
        Value* args = expect(pop(), Value::Kind::tuple, "the REDUCE arguments");
        Value* callable = pop();
        push(ask_host([&] { return host_.call(arena_, *callable, *args); }));
        return;
      }
      case kNewObj: {
        Value* args = expect(pop(), Value::Kind::tuple, "the NEWOBJ arguments");
        Value* cls = pop();
        push(ask_host([&] { return host_.construct(arena_, *cls, *args); }));
        return;
      }
      case kBuild: {
        Value* state = pop();
        Value* object = top();
        ask_host([&] {
          host_.build(*object, *state);
          return object;
        });
        return;
      }
      case kBinPersId: {
        Value* pid = pop();
        push(ask_host([&] { return host_.persistent_load(arena_, *pid); }));
        return;
      }
      default: {
        const char shown = (op_ >= 0x20 && op_ < 0x7f) ? static_cast<char>(op_) : '?';
        fail("unknown or unsupported opcode 0x", std::hex, static_cast<int>(op_), std::dec, " ('", shown, "')");
      }
    }
  }

  void push_integer(std::int64_t value) {
    Value* v = arena_.make(Value::Kind::integer);
    v->integer = value;
    push(v);
  }

  std::span<const unsigned char> bytes_;
  UnpicklerHost& host_;
  Arena& arena_;
  std::string_view source_;
  std::size_t pos_ = 0;
  std::size_t op_pos_ = 0;
  unsigned char op_ = 0;
  std::vector<Value*> stack_;
  std::vector<std::size_t> marks_;
  std::unordered_map<std::uint64_t, Value*> memo_;
  std::unordered_map<std::string_view, std::int64_t> string_ids_, bytes_ids_;
};

}  // namespace

std::string_view kind_name(Value::Kind kind) {
  switch (kind) {
    case Value::Kind::none:
      return "None";
    case Value::Kind::boolean:
      return "bool";
    case Value::Kind::integer:
      return "int";
    case Value::Kind::floating:
      return "float";
    case Value::Kind::string:
      return "str";
    case Value::Kind::bytes:
      return "bytes";
    case Value::Kind::tuple:
      return "tuple";
    case Value::Kind::list:
      return "list";
    case Value::Kind::dict:
      return "dict";
    case Value::Kind::global:
      return "global";
    case Value::Kind::object:
      return "object";
  }
  return "?";
}

Value* Arena::make(Value::Kind kind) {
  Value& v = values_.emplace_back();
  v.kind = kind;
  return &v;
}

Value& unpickle(std::span<const unsigned char> bytes, UnpicklerHost& host, Arena& arena, std::string_view source) {
  return Machine(bytes, host, arena, source).run();
}

}  // namespace pare::pickle
