#include "runtime/io/json_file.h"

#include <vector>

#include "runtime/error.h"
#include "runtime/io/input_file.h"
#include "runtime/io/json_path.h"

namespace pare {
namespace {

using nlohmann::json;

// Builds the document from nlohmann's SAX events, knowing at each event where in the document it
// is, so that what it refuses is named by path.
class DocumentBuilder : public json::json_sax_t {
 public:
  explicit DocumentBuilder(const std::string& source) : source_(source) {}

  json take() { return std::move(root_); }

  bool null() override { return place(json(nullptr)); }
  bool boolean(bool value) override { return place(json(value)); }
  // Only a literal with a minus sign arrives here, so 0 was written -0.
  bool number_integer(json::number_integer_t value) override {
    return value == 0 ? place(json(-0.0)) : place(json(value));
  }
  bool number_unsigned(json::number_unsigned_t value) override { return place(json(value)); }
  // nlohmann turns an integer literal that overflows 64 bits into a double; `text` is the literal.
  bool number_float(json::number_float_t value, const std::string& text) override {
    PARE_CHECK(text.find_first_of(".eE") != std::string::npos, source_, ": ", where(slot_path()), " is ", text,
               ", beyond the 64-bit integers");
    return place(json(value));
  }
  bool string(std::string& value) override { return place(json(std::move(value))); }
  bool binary(json::binary_t& value) override { return place(json::binary(std::move(value))); }

  bool start_object(std::size_t) override { return open(json::object()); }
  bool key(std::string& key) override {
    Frame& frame = frames_.back();
    PARE_CHECK(!frame.value->contains(key), source_, ": ", where(json_member_path(frame_path(), key)),
               " is given twice");
    frame.key = std::move(key);
    return true;
  }
  bool end_object() override { return close(); }
  bool start_array(std::size_t) override { return open(json::array()); }
  bool end_array() override { return close(); }

  bool parse_error(std::size_t, const std::string& token, const json::exception& e) override {
    // 406: a number literal beyond the range of a double (1e400).
    PARE_CHECK(e.id != 406, source_, ": ", where(slot_path()), " is ", token, ", beyond the range of a double");
    throw Error(source_ + ": not valid JSON: " + e.what());
  }

 private:
  // An open object or array, and for an object the key whose value comes next.
  struct Frame {
    json* value;
    std::string key;
  };

  static std::string where(const std::string& path) {
    return path.empty() ? std::string("the document") : "field \"" + path + "\"";
  }

  // The path of the innermost open container (frames_ not empty).
  std::string frame_path() const { return path_to(frames_.size() - 1); }
  // The path of the value the next event places.
  std::string slot_path() const { return frames_.empty() ? std::string() : path_to(frames_.size()); }
  // The path of the value held by frames_[depth] (frames_.size(): the next value to be placed).
  std::string path_to(std::size_t depth) const {
    std::string path;
    for (std::size_t i = 0; i < depth; ++i) {
      const Frame& f = frames_[i];
      if (f.value->is_object()) {
        path = json_member_path(path, f.key);
      } else {
        const std::size_t placed = f.value->size();
        // An array's open child is its last element; otherwise the next value goes after the last.
        path = json_element_path(path, i + 1 < frames_.size() ? placed - 1 : placed);
      }
    }
    return path;
  }

  json* insert(json&& value) {
    if (frames_.empty()) {
      root_ = std::move(value);
      return &root_;
    }
    Frame& frame = frames_.back();
    if (frame.value->is_array()) {
      frame.value->push_back(std::move(value));
      return &frame.value->back();
    }
    json& slot = (*frame.value)[frame.key];
    slot = std::move(value);
    return &slot;
  }
  bool place(json&& value) {
    insert(std::move(value));
    return true;
  }
  bool open(json&& container) {
    PARE_CHECK(frames_.size() < static_cast<std::size_t>(kMaxJsonDepth), source_, ": JSON nested deeper than ",
               kMaxJsonDepth, " levels");
    // A container placed in an array stays its last element while it is open, so the pointer holds.
    frames_.push_back({insert(std::move(container)), {}});
    return true;
  }
  bool close() {
    frames_.pop_back();
    return true;
  }

  const std::string& source_;
  json root_;
  std::vector<Frame> frames_;
};

}  // namespace

json parse_json(std::string_view text, const std::string& source) {
  DocumentBuilder builder(source);
  json::sax_parse(text, &builder);
  return builder.take();
}

json read_json_file(const std::filesystem::path& path, const std::string& what) {
  return parse_json(read_input_file(path, what), path.string() + " (" + what + ")");
}

}  // namespace pare
