// pare-onnx-export: what `pare export` runs (cli/export_command.cpp execs it after checking the
// options). A process of its own because Debian's libsentencepiece bundles protobuf 3.14 and exports
// it, while libonnx needs libprotobuf 3.21: in one process either libprotobuf's start-up crashes or
// sentencepiece refuses its models. This program links the models without the tokenizers, so
// without libsentencepiece (a ctest checks its NEEDED entries).
//   pare-onnx-export MODEL_DIR OUT.onnx [--overwrite]
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>

#include "export/bert_onnx.h"

int main(int argc, char** argv) {
  if (argc < 3 || argc > 4 || (argc == 4 && std::strcmp(argv[3], "--overwrite") != 0)) {
    std::fprintf(stderr, "usage: %s MODEL_DIR OUT.onnx [--overwrite] (run by `pare export`)\n", argv[0]);
    return 1;
  }
  try {
    pare::export_onnx(argv[1], argv[2], argc == 4);
    std::printf("wrote %s (%.1f MB, ONNX opset %d, checked by ONNX's checker with shape inference)\n", argv[2],
                static_cast<double>(std::filesystem::file_size(argv[2])) / 1e6, pare::kOnnxOpset);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "pare: error: %s\n", e.what());
    return 2;
  }
}
