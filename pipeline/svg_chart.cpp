#include "pipeline/svg_chart.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <sstream>

namespace pare {
namespace {

std::string number(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.2f", v);
  return buffer;
}

std::string tick_text(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%g", std::abs(v) < 1e-12 ? 0.0 : v);
  return buffer;
}

// About `count` round tick values (1, 2 or 5 times a power of ten apart) covering [lo, hi].
std::vector<double> ticks(double lo, double hi, int count, bool integer) {
  double step = (hi - lo) / std::max(1, count);
  const double magnitude = std::pow(10.0, std::floor(std::log10(step)));
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    if (m * magnitude >= step) {
      step = m * magnitude;
      break;
    }
  }
  if (integer) step = std::max(1.0, std::round(step));
  std::vector<double> out;
  for (double v = std::ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push_back(v);
  return out;
}

}  // namespace

const char* series_colour(std::size_t i) {
  static const char* const palette[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e",
                                        "#9467bd", "#8c564b", "#e377c2", "#17becf"};
  return palette[i % (sizeof palette / sizeof palette[0])];
}

std::string xml_escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

SvgDocument::SvgDocument(double width, double height) : width_(width), height_(height) {}

void SvgDocument::rect(double x, double y, double w, double h, const std::string& fill, const std::string& title) {
  body_ << "<rect x=\"" << number(x) << "\" y=\"" << number(y) << "\" width=\"" << number(w) << "\" height=\""
        << number(h) << "\" fill=\"" << fill << "\" stroke=\"#ffffff\">";
  if (!title.empty()) body_ << "<title>" << xml_escape(title) << "</title>";
  body_ << "</rect>\n";
}

void SvgDocument::line(double x1, double y1, double x2, double y2, const std::string& stroke, double width,
                       bool dashed) {
  body_ << "<line x1=\"" << number(x1) << "\" y1=\"" << number(y1) << "\" x2=\"" << number(x2) << "\" y2=\""
        << number(y2) << "\" stroke=\"" << stroke << "\" stroke-width=\"" << number(width) << "\""
        << (dashed ? " stroke-dasharray=\"6 4\"" : "") << "/>\n";
}

void SvgDocument::polyline(const std::vector<std::pair<double, double>>& points, const std::string& stroke,
                           double width) {
  body_ << "<polyline fill=\"none\" stroke=\"" << stroke << "\" stroke-width=\"" << number(width) << "\" points=\"";
  for (const auto& [x, y] : points) body_ << number(x) << "," << number(y) << " ";
  body_ << "\"/>\n";
}

void SvgDocument::circle(double x, double y, double r, const std::string& fill, const std::string& title) {
  body_ << "<circle cx=\"" << number(x) << "\" cy=\"" << number(y) << "\" r=\"" << number(r) << "\" fill=\"" << fill
        << "\">";
  if (!title.empty()) body_ << "<title>" << xml_escape(title) << "</title>";
  body_ << "</circle>\n";
}

void SvgDocument::text(double x, double y, const std::string& content, const std::string& anchor, double size,
                       double rotate) {
  body_ << "<text x=\"" << number(x) << "\" y=\"" << number(y) << "\" font-size=\"" << number(size)
        << "\" text-anchor=\"" << anchor << "\"";
  if (rotate != 0) body_ << " transform=\"rotate(" << number(rotate) << " " << number(x) << " " << number(y) << ")\"";
  body_ << ">" << xml_escape(content) << "</text>\n";
}

std::string SvgDocument::str() const {
  std::ostringstream out;
  out << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << number(width_) << "\" height=\"" << number(height_)
      << "\" viewBox=\"0 0 " << number(width_) << " " << number(height_)
      << "\" font-family=\"sans-serif\">\n<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n"
      << body_.str() << "</svg>\n";
  return out.str();
}

std::string render_chart(const Chart& c) {
  SvgDocument svg(c.width, c.height);
  const double left = 70, right = 230, top = 40, bottom = 55;
  const double plot_w = c.width - left - right, plot_h = c.height - top - bottom;
  double x_lo = std::numeric_limits<double>::infinity(), x_hi = -x_lo, y_lo = x_lo, y_hi = -x_lo;
  for (const ChartSeries& s : c.series) {
    for (const auto& [x, y] : s.points) {
      x_lo = std::min(x_lo, x), x_hi = std::max(x_hi, x);
      y_lo = std::min(y_lo, y), y_hi = std::max(y_hi, y);
    }
  }
  for (const ReferenceLine& r : c.references) y_lo = std::min(y_lo, r.y), y_hi = std::max(y_hi, r.y);
  if (!std::isfinite(x_lo)) x_lo = 0, x_hi = 1;
  if (!std::isfinite(y_lo)) y_lo = 0, y_hi = 1;
  if (x_hi - x_lo < 1e-12) x_lo -= 0.5, x_hi += 0.5;
  if (y_hi - y_lo < 1e-12) y_lo -= 0.5, y_hi += 0.5;
  const double y_pad = c.integer_y ? 0.5 : 0.05 * (y_hi - y_lo);
  y_lo -= y_pad, y_hi += y_pad;
  if (c.y_min < c.y_max) y_lo = c.y_min, y_hi = c.y_max;
  const double x_pad = 0.03 * (x_hi - x_lo);
  x_lo -= x_pad, x_hi += x_pad;
  auto px = [&](double x) { return left + (x - x_lo) / (x_hi - x_lo) * plot_w; };
  auto py = [&](double y) { return top + (1.0 - (y - y_lo) / (y_hi - y_lo)) * plot_h; };

  svg.text(c.width / 2, 22, c.title, "middle", 15);
  svg.line(left, top + plot_h, left + plot_w, top + plot_h, "#333333");
  svg.line(left, top, left, top + plot_h, "#333333");
  for (double t : ticks(x_lo, x_hi, 6, false)) {
    svg.line(px(t), top + plot_h, px(t), top + plot_h + 5, "#333333");
    svg.text(px(t), top + plot_h + 19, tick_text(t), "middle", 11);
  }
  for (double t : ticks(y_lo, y_hi, 5, c.integer_y)) {
    svg.line(left - 5, py(t), left + plot_w, py(t), "#e6e6e6");
    svg.text(left - 8, py(t) + 4, tick_text(t), "end", 11);
  }
  svg.text(left + plot_w / 2, c.height - 12, c.x_label, "middle", 12);
  svg.text(18, top + plot_h / 2, c.y_label, "middle", 12, -90);

  double legend_y = top + 8;
  for (std::size_t r = 0; r < c.references.size(); ++r) {
    const ReferenceLine& ref = c.references[r];
    svg.line(left, py(ref.y), left + plot_w, py(ref.y), "#777777", 1.2, true);
    svg.line(left + plot_w + 12, legend_y, left + plot_w + 32, legend_y, "#777777", 1.2, true);
    svg.text(left + plot_w + 38, legend_y + 4, ref.name + " " + tick_text(std::round(ref.y * 1e4) / 1e4), "start", 11);
    legend_y += 18;
  }
  for (std::size_t i = 0; i < c.series.size(); ++i) {
    const ChartSeries& s = c.series[i];
    const std::string colour = series_colour(i);
    std::vector<std::pair<double, double>> points;
    for (const auto& [x, y] : s.points) points.emplace_back(px(x), py(y));
    if (s.lines && points.size() > 1) svg.polyline(points, colour);
    for (std::size_t p = 0; p < points.size(); ++p) {
      const std::string label = p < s.labels.size() ? s.labels[p] : "";
      if (s.markers) svg.circle(points[p].first, points[p].second, 4, colour, label);
      // Alternate above and below, so labels of neighbouring points do not run together.
      if (!label.empty()) svg.text(points[p].first + 6, points[p].second + (p % 2 ? 16 : -6), label, "start", 10);
    }
    svg.line(left + plot_w + 12, legend_y, left + plot_w + 32, legend_y, colour, 3);
    svg.text(left + plot_w + 38, legend_y + 4, s.name, "start", 11);
    legend_y += 18;
  }
  return svg.str();
}

}  // namespace pare
