#include "pipeline/report_figures.h"

#include <algorithm>
#include <fstream>
#include <string>
#include <vector>

#include "models/bert_config.h"
#include "pipeline/svg_chart.h"
#include "runtime/io/atomic_file.h"

namespace pare {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// The stages that come from training (not the sweep): teacher first.
const json& main_stages(const json& report) { return report.at("stages"); }

fs::path model_path(const fs::path& run_dir, const json& stage) {
  const fs::path model = stage.at("model").get<std::string>();
  return model.is_absolute() ? model : run_dir / model;
}

// Layers (rows) x original heads (columns) per stage: kept heads coloured, removed ones grey.
std::string heads_grid(const fs::path& run_dir, const json& report) {
  const json& stages = main_stages(report);
  const BertConfig original = BertConfig::load(model_path(run_dir, stages.front()));
  const auto layers = static_cast<double>(original.num_hidden_layers);
  const auto heads = static_cast<double>(original.num_attention_heads);
  const double cell = std::max(8.0, std::min(22.0, 240.0 / heads)), left = 60, top = 60;
  const double panel = std::max(heads * cell + 30, 130.0);  // room for the stage's name above
  SvgDocument svg(std::max(560.0, left + panel * static_cast<double>(stages.size()) + 20), top + layers * cell + 40);
  svg.text(left, 22, "Attention heads kept per layer (coloured) and removed (grey)", "start", 15);
  for (std::size_t s = 0; s < stages.size(); ++s) {
    const BertConfig config = BertConfig::load(model_path(run_dir, stages[s]));
    const double x0 = left + panel * static_cast<double>(s);
    svg.text(x0, top - 10, stages[s].at("name").get<std::string>(), "start", 11);
    for (std::int64_t l = 0; l < original.num_hidden_layers; ++l) {
      if (s == 0) svg.text(left - 8, top + static_cast<double>(l) * cell + cell * 0.75, std::to_string(l), "end", 10);
      const auto pruned = config.pruned_heads.find(l);
      const bool whole_layer =
          static_cast<std::size_t>(l) < config.layer_shapes.size() && config.layer_shapes[l].heads == 0;
      for (std::int64_t h = 0; h < original.num_attention_heads; ++h) {
        bool removed = whole_layer;
        if (pruned != config.pruned_heads.end()) {
          for (std::int64_t p : pruned->second) removed = removed || p == h;
        }
        svg.rect(x0 + static_cast<double>(h) * cell, top + static_cast<double>(l) * cell, cell, cell,
                 removed ? "#d9d9d9" : series_colour(0),
                 "layer " + std::to_string(l) + " head " + std::to_string(h) + (removed ? " removed" : " kept"));
      }
    }
  }
  svg.text(left - 40, top + layers * cell / 2, "layer", "middle", 11, -90);
  return svg.str();
}

// Grouped bars: for each encoder layer, one bar per stage (its FFN units); the hidden size of each
// stage in the legend.
std::string widths_chart(const json& report) {
  const json& stages = main_stages(report);
  const std::size_t layers = stages.front().at("layers").size();
  double most = 1;
  for (const json& s : stages) {
    for (const json& l : s.at("layers")) most = std::max(most, l.at("ffn_dim").get<double>());
  }
  const double left = 70, top = 40, plot_h = 300, bar = 14, gap = 24;
  const double group = bar * static_cast<double>(stages.size()) + gap;
  const double plot_w = group * static_cast<double>(layers);
  SvgDocument svg(left + plot_w + 240, top + plot_h + 60);
  svg.text(left, 22, "FFN units kept per encoder layer, and the hidden size", "start", 15);
  svg.line(left, top + plot_h, left + plot_w, top + plot_h, "#333333");
  svg.line(left, top, left, top + plot_h, "#333333");
  for (int t = 0; t <= 4; ++t) {
    const double value = most * t / 4.0, y = top + plot_h - plot_h * t / 4.0;
    svg.line(left - 5, y, left + plot_w, y, "#e6e6e6");
    svg.text(left - 8, y + 4, std::to_string(static_cast<long long>(value)), "end", 11);
  }
  for (std::size_t l = 0; l < layers; ++l) {
    const double x0 = left + gap / 2 + group * static_cast<double>(l);
    svg.text(x0 + bar * static_cast<double>(stages.size()) / 2, top + plot_h + 18, "layer " + std::to_string(l),
             "middle", 11);
    for (std::size_t s = 0; s < stages.size(); ++s) {
      const double units = stages[s].at("layers")[l].at("ffn_dim").get<double>();
      const double h = plot_h * units / most;
      svg.rect(
          x0 + bar * static_cast<double>(s), top + plot_h - h, bar, h, series_colour(s),
          stages[s].at("name").get<std::string>() + ": " + std::to_string(static_cast<long long>(units)) + " units");
    }
  }
  svg.text(18, top + plot_h / 2, "FFN units", "middle", 12, -90);
  for (std::size_t s = 0; s < stages.size(); ++s) {
    const double y = top + 8 + 18 * static_cast<double>(s);
    svg.rect(left + plot_w + 14, y - 8, 12, 12, series_colour(s));
    svg.text(left + plot_w + 32, y + 2,
             stages[s].at("name").get<std::string>() + " (hidden " +
                 std::to_string(stages[s].at("hidden_size").get<long long>()) + ")",
             "start", 11);
  }
  return svg.str();
}

std::string metric_chart(const json& report) {
  const std::string metric = report.at("metric").get<std::string>();
  Chart c;
  c.title = "Dev " + metric + " against encoder sparsity";
  c.x_label = "encoder parameters removed (fraction of the teacher's)";
  c.y_label = "dev " + metric;
  ChartSeries pipeline{"pipeline stages", {}, true, true, {}};
  for (const json& s : main_stages(report)) {
    if (!s.at("dev").contains(metric)) continue;
    if (s.at("kind") == "baseline") {
      c.references.push_back({s.at("name").get<std::string>(), s.at("dev").at(metric).get<double>()});
      continue;
    }
    pipeline.points.emplace_back(s.at("sparsity").at("encoder").get<double>(), s.at("dev").at(metric).get<double>());
    pipeline.labels.push_back(s.at("name").get<std::string>());
  }
  c.series.push_back(std::move(pipeline));
  if (report.contains("sweep")) {
    ChartSeries sweep{"regular_scale sweep", {}, false, true, {}};
    for (const json& s : report.at("sweep")) {
      sweep.points.emplace_back(s.at("sparsity").at("encoder").get<double>(), s.at("dev").value(metric, 0.0));
      sweep.labels.push_back(s.at("name").get<std::string>());
    }
    c.series.push_back(std::move(sweep));
  }
  if (report.contains("int8") && report.at("int8").at("dev").contains(metric)) {
    const json& s = report.at("int8");
    c.series.push_back({"int8 (final model quantized)",
                        {{s.at("sparsity").at("encoder").get<double>(), s.at("dev").at(metric).get<double>()}},
                        false,
                        true,
                        {"int8"}});
  }
  if (report.at("trivial").at("dev").contains(metric)) {
    c.references.push_back({"trivial (majority)", report.at("trivial").at("dev").at(metric).get<double>()});
  }
  return render_chart(c);
}

// Each train record of a step directory's metrics.jsonl.
std::vector<json> train_records(const fs::path& dir) {
  std::vector<json> out;
  std::ifstream in(dir / "metrics.jsonl");
  std::string line;
  while (std::getline(in, line)) {
    const json record = json::parse(line, nullptr, false);
    if (record.is_object() && record.value("type", "") == "train") out.push_back(record);
  }
  return out;
}

struct TrainingDir {
  std::string name, kind;
  fs::path dir;
};

// The training steps of the run in order: pretraining, teacher, each stage that trained.
std::vector<TrainingDir> training_dirs(const fs::path& run_dir, const json& report) {
  std::vector<TrainingDir> dirs;
  for (const char* dir : {"pretrain", "teacher"}) {
    if (fs::exists(run_dir / dir / "metrics.jsonl")) dirs.push_back({dir, dir, run_dir / dir});
  }
  for (const char* part : {"stages", "sweep"}) {
    if (!report.contains(part)) continue;
    for (const json& s : report.at(part)) {
      const std::string dir = s.at("dir").get<std::string>();
      if (dir != "teacher" && fs::exists(run_dir / dir / "metrics.jsonl")) {
        dirs.push_back({s.at("name").get<std::string>(), s.at("kind").get<std::string>(), run_dir / dir});
      }
    }
  }
  return dirs;
}

std::string loss_chart(const fs::path& run_dir, const json& report) {
  Chart c;
  c.title = "Training loss (mean over each logging window; MLM pretraining left out)";
  c.x_label = "optimizer step of the stage";
  c.y_label = "loss";
  for (const auto& [name, kind, dir] : training_dirs(run_dir, report)) {
    if (kind == "pretrain") continue;  // a masked-LM loss, on another scale
    ChartSeries series{name, {}, true, false, {}};
    for (const json& r : train_records(dir))
      series.points.emplace_back(r.at("step").get<double>(), r.at("loss").get<double>());
    c.series.push_back(std::move(series));
  }
  return render_chart(c);
}

// Teacher layer matched to each student layer over training, the stages one after another.
std::string layer_map_chart(const fs::path& run_dir, const json& report) {
  Chart c;
  c.title = "Distiller's layer map: teacher layer matched to each student layer";
  c.x_label = "optimizer step (pruning stages one after another)";
  c.y_label = "teacher layer";
  c.integer_y = true;
  double offset = 0;
  for (const auto& [name, kind, dir] : training_dirs(run_dir, report)) {
    if (kind != "prune") continue;
    double last = 0;
    for (const json& r : train_records(dir)) {
      last = r.at("step").get<double>();
      if (!r.contains("distill") || !r.at("distill").contains("layer_map")) continue;
      const json& map = r.at("distill").at("layer_map");
      for (std::size_t s = 0; s < map.size(); ++s) {
        if (c.series.size() <= s) c.series.push_back({"student layer " + std::to_string(s + 1), {}, false, true, {}});
        if (!map[s].is_null()) c.series[s].points.emplace_back(offset + last, map[s].get<double>());
      }
    }
    offset += last;
  }
  return render_chart(c);
}

}  // namespace

json write_report_figures(const fs::path& run_dir, const json& report) {
  fs::create_directories(run_dir / "figures");
  json written = json::array();
  auto save = [&](const std::string& name, const std::string& svg) {
    write_file_atomically(run_dir / "figures" / name, svg);
    written.push_back("figures/" + name);
  };
  save("heads.svg", heads_grid(run_dir, report));
  save("widths.svg", widths_chart(report));
  save("metric_vs_sparsity.svg", metric_chart(report));
  save("layer_map.svg", layer_map_chart(run_dir, report));
  save("loss.svg", loss_chart(run_dir, report));
  return written;
}

}  // namespace pare
