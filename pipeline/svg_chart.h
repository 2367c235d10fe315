// A small SVG writer for the run report's figures: a document of shapes and text, and line/scatter
// charts with axes, ticks, a legend and reference lines. Colours come from a fixed palette so the
// same series keeps its colour in every figure.
#pragma once

#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace pare {

// The i-th colour of a palette that stays readable on white and in grey print.
const char* series_colour(std::size_t i);

class SvgDocument {
 public:
  SvgDocument(double width, double height);
  // `title` becomes a tooltip.
  void rect(double x, double y, double w, double h, const std::string& fill, const std::string& title = "");
  void line(double x1, double y1, double x2, double y2, const std::string& stroke, double width = 1,
            bool dashed = false);
  void polyline(const std::vector<std::pair<double, double>>& points, const std::string& stroke, double width = 2);
  void circle(double x, double y, double r, const std::string& fill, const std::string& title = "");
  // anchor: "start", "middle" or "end"; `rotate` in degrees about (x, y).
  void text(double x, double y, const std::string& content, const std::string& anchor = "start", double size = 12,
            double rotate = 0);
  std::string str() const;

 private:
  double width_, height_;
  std::ostringstream body_;
};

struct ChartSeries {
  std::string name;
  std::vector<std::pair<double, double>> points;
  bool lines = true;                // join the points
  bool markers = true;              // a dot at each point
  std::vector<std::string> labels;  // optional, one per point, written beside it
};

struct ReferenceLine {
  std::string name;
  double y = 0;
};

struct Chart {
  std::string title, x_label, y_label;
  std::vector<ChartSeries> series;
  std::vector<ReferenceLine> references;  // dashed horizontal lines across the plot
  double width = 720, height = 400;
  // Forced y range when min < max (else from the data and reference lines, padded).
  double y_min = 0, y_max = 0;
  // Integer ticks only (layer numbers).
  bool integer_y = false;
};

// The chart as an SVG document; a chart without points still renders its axes and title.
std::string render_chart(const Chart& chart);

// Text safe inside SVG/XML (&, <, >, quotes escaped).
std::string xml_escape(const std::string& text);

}  // namespace pare
