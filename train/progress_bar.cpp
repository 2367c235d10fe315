#include "train/progress_bar.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>

namespace pare {

ProgressBar::ProgressBar(std::string label, std::int64_t total, std::FILE* out, std::int64_t log_every)
    : label_(std::move(label)),
      total_(std::max<std::int64_t>(total, 1)),
      out_(out),
      log_every_(std::max<std::int64_t>(log_every, 1)),
      terminal_(isatty(fileno(out)) != 0),
      start_(std::chrono::steady_clock::now()) {}

ProgressBar::~ProgressBar() { finish(); }

std::string ProgressBar::format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "--:--";
  const auto s = static_cast<long long>(std::llround(seconds));
  char buf[32];
  if (s >= 3600) {
    std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", s / 3600, (s / 60) % 60, s % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%02lld:%02lld", s / 60, s % 60);
  }
  return buf;
}

std::string ProgressBar::line(std::int64_t done, double items_per_second, double eta_seconds,
                              const std::string& status) const {
  constexpr int kWidth = 24;
  const double fraction = std::clamp(static_cast<double>(done) / static_cast<double>(total_), 0.0, 1.0);
  const int filled = static_cast<int>(fraction * kWidth);
  std::string bar(static_cast<std::size_t>(filled), '=');
  if (filled < kWidth) bar += '>';
  bar.resize(kWidth, ' ');
  char buf[256];
  std::snprintf(buf, sizeof buf, "%s %lld/%lld [%s] %3.0f%% | %.1f seq/s | ETA %s", label_.c_str(),
                static_cast<long long>(done), static_cast<long long>(total_), bar.c_str(), fraction * 100.0,
                items_per_second, format_duration(eta_seconds).c_str());
  std::string text = buf;
  if (!status.empty()) text += " | " + status;
  return text;
}

void ProgressBar::update(std::int64_t done, std::int64_t items, const std::string& status) {
  const auto now = std::chrono::steady_clock::now();
  if (first_done_ < 0) {
    first_done_ = done - 1;
    start_ = now;
  }
  items_ += items;
  ++updates_;
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const double steps_done = static_cast<double>(done - first_done_);
  const double rate = elapsed > 0 ? static_cast<double>(items_) / elapsed : 0.0;
  const double eta = steps_done > 0 && elapsed > 0 ? elapsed / steps_done * static_cast<double>(total_ - done)
                                                   : std::numeric_limits<double>::quiet_NaN();
  const bool last = done >= total_;
  if (terminal_) {
    std::fprintf(out_, "\r\033[K%s", line(done, rate, eta, status).c_str());
  } else if (updates_ % log_every_ == 0 || last) {
    std::fprintf(out_, "%s\n", line(done, rate, eta, status).c_str());
  }
  std::fflush(out_);
}

void ProgressBar::finish() {
  if (finished_) return;
  finished_ = true;
  if (terminal_ && updates_ > 0) {
    std::fprintf(out_, "\n");
    std::fflush(out_);
  }
}

}  // namespace pare
