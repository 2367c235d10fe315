#include "data/example.h"

#include "runtime/error.h"

namespace pare {

const char* split_name(Split split) {
  switch (split) {
    case Split::train: return "train";
    case Split::dev: return "dev";
    case Split::test: return "test";
  }
  return "?";
}

Split parse_split(const std::string& name) {
  if (name == "train") return Split::train;
  if (name == "dev" || name == "validation") return Split::dev;
  if (name == "test") return Split::test;
  throw Error("unknown split '" + name + "' (expected train, dev or test)");
}

}  // namespace pare
