// The report's SVG writer (pipeline/svg_chart.h): text is escaped, every point of every series is
// drawn inside the plot area, and an empty chart still renders.
#include "pipeline/svg_chart.h"

#include <gtest/gtest.h>

#include <regex>

namespace pare {
namespace {

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(SvgChart, EscapesText) { EXPECT_EQ(xml_escape("a<b & \"c\""), "a&lt;b &amp; &quot;c&quot;"); }

TEST(SvgChart, DrawsEveryPointInsideThePlot) {
  Chart c;
  c.title = "loss <curves>";
  c.series.push_back({"a", {{0, 1}, {1, 2}, {2, 4}}, true, true, {"x", "y", "z"}});
  c.series.push_back({"b", {{0, 3}}, false, true, {}});
  c.references.push_back({"trivial", 0.5});
  const std::string svg = render_chart(c);
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_NE(svg.find("loss &lt;curves&gt;"), std::string::npos);
  EXPECT_EQ(count(svg, "<circle"), 4u);
  EXPECT_EQ(count(svg, "<polyline"), 1u);
  EXPECT_EQ(count(svg, "stroke-dasharray"), 2u);  // the reference line and its legend entry
  const std::regex circle("<circle cx=\"([0-9.]+)\" cy=\"([0-9.]+)\"");
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), circle); it != std::sregex_iterator(); ++it) {
    const double x = std::stod((*it)[1]), y = std::stod((*it)[2]);
    EXPECT_GE(x, 70.0);
    EXPECT_LE(x, c.width - 230.0);
    EXPECT_GE(y, 40.0);
    EXPECT_LE(y, c.height - 55.0);
  }
  // Higher values are drawn higher: the point at y = 4 above the one at y = 1.
  std::smatch first, last;
  std::string rest = svg;
  ASSERT_TRUE(std::regex_search(rest, first, circle));
  const double y1 = std::stod(first[2]);
  std::string after = first.suffix();
  ASSERT_TRUE(std::regex_search(after, last, circle));
  after = last.suffix();
  ASSERT_TRUE(std::regex_search(after, last, circle));
  EXPECT_LT(std::stod(last[2]), y1);
}

TEST(SvgChart, EmptyChartRendersAxes) {
  Chart c;
  c.title = "nothing yet";
  const std::string svg = render_chart(c);
  EXPECT_NE(svg.find("nothing yet"), std::string::npos);
  EXPECT_EQ(count(svg, "<circle"), 0u);
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
}

}  // namespace
}  // namespace pare
