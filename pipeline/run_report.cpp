#include "pipeline/run_report.h"

#include <cstdio>
#include <fstream>
#include <limits>
#include <sstream>

#include "pipeline/report_figures.h"
#include "runtime/error.h"
#include "runtime/io/atomic_file.h"
#include "runtime/io/json_file.h"    // read_json_file
#include "runtime/io/json_reader.h"  // JsonReader
#include "runtime/version.h"

namespace pare {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// The directories of a run's model-making steps, in run order.
std::vector<std::string> model_step_dirs(const PipelineOptions& o) {
  std::vector<std::string> dirs{"teacher"};
  if (!o.sweep_regular_scales.empty()) {
    for (double scale : o.sweep_regular_scales) {
      std::ostringstream dir;
      dir << "sweep-rs" << scale;
      dirs.push_back(dir.str());
    }
    return dirs;
  }
  if (o.recipe.attention_removed.steps > 0) dirs.push_back("attention-removed");
  for (std::size_t i = 0; i < o.recipe.stages.size(); ++i) {
    dirs.push_back(std::to_string(i + 1) + "-" + o.recipe.stages[i].name);
  }
  if (o.recipe.int8) dirs.push_back("int8");
  return dirs;
}

double ratio(double a, double b) { return b != 0 ? a / b : 0.0; }

// A dev metric as recorded: JSON has no NaN, so an undefined one (pearson against constant labels,
// data/metrics.h) is null, and stays undefined (NaN, "nan" in the table) here; absent is 0.
double metric_value(const json& metrics, const std::string& metric) {
  if (!metrics.is_object() || !metrics.contains(metric)) return 0.0;
  const json& value = metrics.at(metric);
  return value.is_null() ? std::numeric_limits<double>::quiet_NaN() : value.get<double>();
}

// A number the report wrote, where NaN became null.
double number_or_nan(const json& value) {
  return value.is_null() ? std::numeric_limits<double>::quiet_NaN() : value.get<double>();
}

}  // namespace

// pare's own file, so a key it does not know is refused; the numbers the report computes with must
// fit. The report then copies the record's parts into report.json as recorded.
json read_stage_record(const fs::path& file) {
  json record = read_json_file(file, "stage record");
  const JsonReader r(record, file.string() + " (stage record)", "", UnknownKeys::refuse);
  r.required<std::string>("name");
  r.required<std::string>("kind");
  r.required<std::string>("dir");
  r.optional<std::string>("model");
  r.required<double>("wall_s", {.min = 0.0});
  r.optional<double>("mlm_loss");  // pretraining's
  r.optional<double>("masked_fraction", {.min = 0.0, .max = 1.0});
  r.optional<std::int64_t>("parameters_removed", {.min = 0});
  // The int8 stage's: the stage whose model it quantized, and both weight files' bytes.
  r.optional<std::string>("f32_dir");
  r.optional<std::int64_t>("weight_bytes", {.min = 0});
  r.optional<std::int64_t>("f32_weight_bytes", {.min = 0});
  // The onnx step's: the file's bytes, the model it came from and ONNX Runtime's check.
  r.optional<std::int64_t>("bytes", {.min = 0});
  r.optional<std::string>("from");
  if (r.has("onnxruntime")) {
    const JsonReader ort = r.member("onnxruntime", UnknownKeys::refuse);
    ort.optional<std::string>("not_run");
    ort.optional<std::string>("version");
    ort.optional<std::int64_t>("sequences", {.min = 1});
    ort.optional<std::int64_t>("tokens", {.min = 1});
    ort.optional<double>("max_abs_difference", {.min = 0.0});  // null: a NaN or a shape that differed
    ort.optional<bool>("matched");
    ort.finish();
  }
  r.skip("trivial");  // the teacher's trivial baselines, metric objects
  r.skip("options");  // the run's options when the stage finished, compared on resume (pipeline_run.cpp)
  if (r.has("measurement")) {
    const JsonReader m = r.member("measurement", UnknownKeys::refuse);
    m.skip("dev");  // metric objects (stage_measurement.cpp)
    m.skip("test");
    m.skip("size");
    m.optional<double>("latency_b1_ms", {.min = 0.0});
    m.optional<double>("throughput_b32", {.min = 0.0});
    // Absent from the records of runs made before the measurement kept the faster thread count.
    m.optional<std::int64_t>("latency_b1_threads", {.min = 1});
    m.optional<std::int64_t>("throughput_b32_threads", {.min = 1});
    m.finish();
  }
  r.finish();
  return record;
}

namespace {

// One stage of report.json from its record, against the teacher's measurement.
json stage_entry(const json& record, const json& teacher, const std::string& metric) {
  const json& m = record.at("measurement");
  const json& size = m.at("size");
  json entry = {{"name", record.at("name")},
                {"kind", record.at("kind")},
                {"dir", record.at("dir")},
                {"model", record.at("model")},
                {"wall_s", record.at("wall_s")},
                {"dev", m.at("dev")},
                {"test", m.at("test")},
                {"parameters", size.at("parameters")},
                {"hidden_size", size.at("hidden_size")},
                {"layers", size.at("layers")},
                {"flops_per_token", size.at("flops_per_token")},
                {"latency_b1_ms", m.at("latency_b1_ms")},
                {"throughput_b32", m.at("throughput_b32")}};
  json sparsity = json::object();
  for (const auto& [part, r] : size.at("ratios").items()) {
    if (part != "flops_per_token") sparsity[part] = 1.0 - r.get<double>();
  }
  entry["sparsity"] = sparsity;
  entry["flops_ratio"] = size.at("ratios").at("flops_per_token");
  const json& tm = teacher.at("measurement");
  entry["metric_of_teacher"] = ratio(metric_value(m.at("dev"), metric), metric_value(tm.at("dev"), metric));
  entry["throughput_speedup"] = ratio(m.at("throughput_b32").get<double>(), tm.at("throughput_b32").get<double>());
  entry["latency_speedup"] = ratio(tm.at("latency_b1_ms").get<double>(), m.at("latency_b1_ms").get<double>());
  for (const char* key : {"masked_fraction", "parameters_removed", "f32_dir", "weight_bytes", "f32_weight_bytes"}) {
    if (record.contains(key)) entry[key] = record.at(key);
  }
  for (const char* key : {"latency_b1_threads", "throughput_b32_threads"}) {
    if (m.contains(key)) entry[key] = m.at(key);
  }
  return entry;
}

std::string fixed(double v, int digits) {
  char buffer[48];
  std::snprintf(buffer, sizeof buffer, "%.*f", digits, v);
  return buffer;
}

// The int8 stage's entry with what it is compared against: the f32 model it quantized.
json int8_entry(json entry, const json& stages, const std::string& metric) {
  for (const json& f32 : stages) {
    if (!entry.contains("f32_dir") || f32.at("dir") != entry.at("f32_dir")) continue;
    entry["f32_name"] = f32.at("name");
    entry["latency_speedup_vs_f32"] =
        ratio(f32.at("latency_b1_ms").get<double>(), entry.at("latency_b1_ms").get<double>());
    entry["throughput_speedup_vs_f32"] =
        ratio(entry.at("throughput_b32").get<double>(), f32.at("throughput_b32").get<double>());
    entry["dev_minus_f32"] = metric_value(entry.at("dev"), metric) - metric_value(f32.at("dev"), metric);
  }
  if (entry.contains("weight_bytes") && entry.contains("f32_weight_bytes")) {
    entry["size_vs_f32"] = ratio(entry.at("weight_bytes").get<double>(), entry.at("f32_weight_bytes").get<double>());
  }
  return entry;
}

// One sentence on the int8 model against the f32 model it came from.
std::string int8_summary(const json& e, const std::string& metric) {
  if (!e.contains("f32_name")) return "";
  std::ostringstream out;
  out << "int8 (the " << e.at("f32_name").get<std::string>() << " model quantized, `pare quantize`): dev " << metric
      << " " << fixed(number_or_nan(e.at("dev_minus_f32")) * 100, 2) << " points against f32, weights "
      << fixed(e.value("weight_bytes", 0.0) / 1e6, 2) << " MB (" << fixed(100 * e.value("size_vs_f32", 0.0), 0)
      << "% of f32), " << fixed(e.at("latency_speedup_vs_f32").get<double>(), 2)
      << "x the f32 model's speed at batch 1 and " << fixed(e.at("throughput_speedup_vs_f32").get<double>(), 2)
      << "x at batch 32.\n";
  return out.str();
}

}  // namespace

std::string onnx_summary(const json& record) {
  std::ostringstream out;
  out << record.at("model").get<std::string>() << " (" << fixed(record.at("bytes").get<double>() / 1e6, 2)
      << " MB, opset 17, the " << record.at("from").get<std::string>()
      << " model, checked by ONNX's checker with shape inference); ";
  const json& ort = record.at("onnxruntime");
  if (ort.contains("not_run")) {
    out << "ONNX Runtime did not run: " << ort.at("not_run").get<std::string>() << ".";
    return out.str();
  }
  const std::string difference = ort.at("max_abs_difference").is_null() ? "NaN or another shape" : [&] {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.1e", ort.at("max_abs_difference").get<double>());
    return std::string(buffer);
  }();
  out << "ONNX Runtime " << ort.at("version").get<std::string>() << " on " << ort.at("sequences").get<std::int64_t>()
      << " padded dev sequences (" << ort.at("tokens").get<std::int64_t>() << " tokens): ";
  if (ort.at("matched").get<bool>()) {
    out << "outputs matched pare's within 1e-4 (largest difference " << difference << ").";
  } else {
    out << "**outputs differ from pare's by " << difference
        << ", more than 1e-4: a defect in pare's export; please report it with this run's onnx/ folder**.";
  }
  return out.str();
}

namespace {

std::string metric_cell(const json& metrics, const std::string& metric) {
  if (!metrics.is_object() || !metrics.contains(metric)) return "-";
  return fixed(metric_value(metrics, metric), 4);
}

std::int64_t heads_of(const json& stage) {
  std::int64_t heads = 0;
  for (const json& layer : stage.at("layers")) heads += layer.at("heads").get<std::int64_t>();
  return heads;
}

// The OpenMP threads the two speeds were measured at, "1/2"; "-" where a record predates them.
std::string threads_cell(const json& s) {
  auto one = [&](const char* key) { return s.contains(key) ? std::to_string(s.at(key).get<std::int64_t>()) : "-"; };
  return one("latency_b1_threads") + "/" + one("throughput_b32_threads");
}

std::string stage_row(const json& s, const std::string& metric, std::int64_t teacher_heads) {
  const json& p = s.at("parameters");
  std::ostringstream row;
  row << "| " << s.at("name").get<std::string>() << " | " << heads_of(s) << "/" << teacher_heads << " | "
      << metric_cell(s.at("dev"), metric) << " | " << metric_cell(s.at("test"), metric) << " | "
      << fixed(100 * number_or_nan(s.at("metric_of_teacher")), 1) << "% | " << p.at("encoder").get<std::int64_t>()
      << " | " << fixed(100 * s.at("sparsity").at("encoder").get<double>(), 1) << "% | "
      << p.at("total").get<std::int64_t>() << " | " << fixed(s.at("flops_per_token").at("total").get<double>() / 1e6, 2)
      << " | " << fixed(s.at("latency_b1_ms").get<double>(), 2) << " | "
      << fixed(s.at("throughput_b32").get<double>(), 1) << " | " << threads_cell(s) << " | "
      << fixed(s.at("throughput_speedup").get<double>(), 2) << "x | " << fixed(s.at("wall_s").get<double>(), 0)
      << " |\n";
  return row.str();
}

}  // namespace

std::string stage_table(const json& report) {
  const std::string metric = report.at("metric").get<std::string>();
  std::ostringstream out;
  out << "| stage | heads | dev " << metric << " | test " << metric
      << " | of teacher (dev) | encoder params | encoder sparsity | params | MFLOPs/token | latency b1 ms "
         "| seq/s b32 | threads b1/b32 | speed-up b32 | wall s |\n"
      << "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n";
  const json& trivial = report.at("trivial");
  out << "| trivial (majority) | | " << metric_cell(trivial.at("dev"), metric) << " | "
      << metric_cell(trivial.at("test"), metric) << " | | | | | | | | | | |\n";
  const std::int64_t teacher_heads = heads_of(report.at("stages").front());
  for (const json& s : report.at("stages")) out << stage_row(s, metric, teacher_heads);
  if (report.contains("sweep")) {
    for (const json& s : report.at("sweep")) out << stage_row(s, metric, teacher_heads);
  }
  if (report.contains("int8")) out << stage_row(report.at("int8"), metric, teacher_heads);
  return out.str();
}

std::string slower_than_teacher(const json& report) {
  const json& stages = report.at("stages");
  const json& teacher = stages.front();
  std::ostringstream out;
  auto say = [&](const json& s) {
    const std::string name = s.at("name").get<std::string>();
    // A speed-up of 0 is a measurement that is missing, not a slow model.
    const double latency = number_or_nan(s.at("latency_speedup")),
                 throughput = number_or_nan(s.at("throughput_speedup"));
    if (latency > 0 && latency < 1) {
      out << "- **" << name
          << " is slower than the teacher at batch 1**: " << fixed(s.at("latency_b1_ms").get<double>(), 2)
          << " ms a sequence against " << fixed(teacher.at("latency_b1_ms").get<double>(), 2) << " ms.\n";
    }
    if (throughput > 0 && throughput < 1) {
      out << "- **" << name
          << " is slower than the teacher at batch 32**: " << fixed(s.at("throughput_b32").get<double>(), 1)
          << " sequences a second against " << fixed(teacher.at("throughput_b32").get<double>(), 1) << ".\n";
    }
  };
  for (std::size_t i = 1; i < stages.size(); ++i) say(stages[i]);
  if (report.contains("sweep")) {
    for (const json& s : report.at("sweep")) say(s);
  }
  if (report.contains("int8")) say(report.at("int8"));
  return out.str();
}

json write_run_report(const fs::path& run_dir, const PipelineOptions& o) {
  const std::string metric = task_info(o.data).metric_names.front();
  json report = {{"pare_version", kPareVersion},
                 {"recipe", o.recipe.name},
                 {"task", o.data.task.empty() ? "user data" : o.data.task},
                 {"metric", metric},
                 {"seq", o.recipe.seq},
                 {"stages", json::array()}};
  double wall = 0;
  for (const char* dir : {"tokenizer", "pretrain"}) {
    if (fs::exists(run_dir / dir / "stage.json"))
      wall += read_stage_record(run_dir / dir / "stage.json").at("wall_s").get<double>();
  }
  const fs::path teacher_file = run_dir / "teacher" / "stage.json";
  PARE_CHECK(fs::exists(teacher_file), "report: ", teacher_file.string(), " does not exist yet");
  const json teacher = read_stage_record(teacher_file);
  report["trivial"] = teacher.at("trivial");
  const bool sweep = !o.sweep_regular_scales.empty();
  if (sweep) report["sweep"] = json::array();
  for (const std::string& dir : model_step_dirs(o)) {
    const fs::path file = run_dir / dir / "stage.json";
    if (!fs::exists(file)) break;
    const json record = read_stage_record(file);
    wall += record.at("wall_s").get<double>();
    json entry = stage_entry(record, teacher, metric);
    if (record.at("kind") == "int8") {
      report["int8"] = int8_entry(std::move(entry), report.at("stages"), metric);
      continue;
    }
    (sweep && dir != "teacher" ? report["sweep"] : report["stages"]).push_back(std::move(entry));
  }
  if (const fs::path onnx = run_dir / "onnx" / "stage.json"; !sweep && fs::exists(onnx)) {
    const json record = read_stage_record(onnx);
    wall += record.at("wall_s").get<double>();
    report["onnx"] = {{"model", record.at("model")},
                      {"from", record.at("from")},
                      {"bytes", record.at("bytes")},
                      {"onnxruntime", record.at("onnxruntime")},
                      {"wall_s", record.at("wall_s")}};
  }
  report["wall_s"] = wall;
  report["figures"] = write_report_figures(run_dir, report);
  write_file_atomically(run_dir / "report.json", report.dump(2) + "\n");

  std::ostringstream md;
  md << "# pare run: " << o.recipe.name << " on " << report.at("task").get<std::string>() << "\n\n"
     << o.recipe.description << "\n\n"
     << "Metric: " << metric << " (dev and test), inference measured on this machine at " << o.recipe.seq
     << " tokens a sequence, each model at the faster of one thread and all (the threads column). Sparsity and "
        "speed-up are against the teacher. The steps took "
     << fixed(wall / 60.0, 1) << " minutes of wall time in all.\n\n"
     << stage_table(report) << "\n";
  if (report.contains("int8")) md << int8_summary(report.at("int8"), metric) << "\n";
  if (report.contains("onnx")) md << "ONNX: " << onnx_summary(report.at("onnx")) << "\n\n";
  if (const std::string slower = slower_than_teacher(report); !slower.empty()) md << slower << "\n";
  for (const json& figure : report.at("figures")) {
    md << "![" << figure.get<std::string>() << "](" << figure.get<std::string>() << ")\n\n";
  }
  write_file_atomically(run_dir / "report.md", md.str());
  return report;
}

}  // namespace pare
