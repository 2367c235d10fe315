// ProgressBar: one status line for long work (step, loss, sequences/s, ETA). On a terminal it is
// redrawn in place; into a log file it prints a line every `log_every` updates instead.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace pare {

class ProgressBar {
 public:
  // `total` steps of work described by `label`; writes to `out` (stderr by default).
  ProgressBar(std::string label, std::int64_t total, std::FILE* out = stderr, std::int64_t log_every = 50);
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  // Progress is now `done` of total, after `items` more sequences; `status` is appended (e.g.
  // "loss 0.5321"). Rate and ETA are measured from the first update, so resumed runs report honestly.
  void update(std::int64_t done, std::int64_t items, const std::string& status = "");
  // Ends the line (a terminal keeps the final state on screen).
  void finish();

  // "1:02:03" or "02:03".
  static std::string format_duration(double seconds);
  // The text of one status line, without the carriage return: exposed for tests.
  std::string line(std::int64_t done, double items_per_second, double eta_seconds, const std::string& status) const;

 private:
  std::string label_;
  std::int64_t total_;
  std::FILE* out_;
  std::int64_t log_every_;
  bool terminal_;
  bool finished_ = false;
  std::int64_t updates_ = 0;
  std::int64_t first_done_ = -1;
  std::int64_t items_ = 0;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace pare
