// A restricted unpickler: runs the pickle opcodes that plain data needs (numbers, strings, tuples,
// lists, dicts, the memo) and hands every global, call, BUILD and persistent id to a host that
// decides what they mean. Nothing the host does not allow is ever constructed, and no Python code
// exists to run: the result is a tree of Values.
//
// Understood: PROTO (up to 5), FRAME, STOP, MARK, POP, POP_MARK, DUP, NONE, NEWTRUE, NEWFALSE,
// BININT, BININT1, BININT2, LONG1 and LONG4 (up to 64 bits), BINFLOAT, BINUNICODE,
// SHORT_BINUNICODE, BINUNICODE8, BINBYTES, SHORT_BINBYTES, BINBYTES8, EMPTY_TUPLE, TUPLE,
// TUPLE1-3, EMPTY_LIST, LIST, APPEND, APPENDS, EMPTY_DICT, DICT, SETITEM, SETITEMS, BINPUT,
// LONG_BINPUT, MEMOIZE, BINGET, LONG_BINGET, GLOBAL, STACK_GLOBAL, REDUCE, NEWOBJ, BUILD,
// BINPERSID. Any other opcode (the text protocol 0 forms, INST, OBJ, extensions, ...) is an error.
#pragma once

#include <any>
#include <cstdint>
#include <deque>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pare::pickle {

struct Value {
  enum class Kind { none, boolean, integer, floating, string, bytes, tuple, list, dict, global, object };

  Kind kind = Kind::none;
  bool boolean = false;
  std::int64_t integer = 0;
  double floating = 0.0;
  std::string text;                                // string, bytes; a global's "module.name"
  std::int64_t text_id = 0;                        // string, bytes: equal for equal texts
  std::vector<Value*> items;                       // tuple, list
  std::vector<std::pair<Value*, Value*>> entries;  // dict, in insertion order
  // dict: the entry of each scalar key, by (kind tag, value or text_id), so that a repeated key
  // costs the same whatever its length.
  std::map<std::pair<char, std::int64_t>, std::size_t> key_positions;
  std::any object;   // object: the host's payload
  std::string type;  // object: what it is, for messages

  bool is(Kind k) const { return kind == k; }
};

// "dict", "tuple", ... for messages.
std::string_view kind_name(Value::Kind kind);

// Owns every Value of one unpickling. Values point at each other freely (the memo makes shared and
// even cyclic structures possible), so none owns another; all die with the arena.
class Arena {
 public:
  Value* make(Value::Kind kind);

 private:
  std::deque<Value> values_;
};

// What the unpickler asks about everything beyond plain data. Each method throws pare::Error (with
// a message saying what is not allowed) for anything it does not accept; the unpickler adds where.
class UnpicklerHost {
 public:
  virtual ~UnpicklerHost() = default;
  // GLOBAL, STACK_GLOBAL: the object `module.name` refers to (typically a Kind::global value).
  virtual Value* find_global(Arena& arena, const std::string& module, const std::string& name) = 0;
  // REDUCE: callable(*args); `args` is a tuple.
  virtual Value* call(Arena& arena, Value& callable, Value& args) = 0;
  // NEWOBJ: cls.__new__(cls, *args); `args` is a tuple.
  virtual Value* construct(Arena& arena, Value& cls, Value& args) = 0;
  // BUILD: sets `state` on `object` (which stays on the stack).
  virtual void build(Value& object, Value& state) = 0;
  // BINPERSID: the object a persistent id stands for.
  virtual Value* persistent_load(Arena& arena, Value& pid) = 0;
};

// Runs the pickle in `bytes` up to its STOP and returns the result. Every error is a pare::Error
// starting with `source` and the byte offset and opcode at fault.
Value& unpickle(std::span<const unsigned char> bytes, UnpicklerHost& host, Arena& arena, std::string_view source);

}  // namespace pare::pickle
