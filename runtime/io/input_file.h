// Reads of files a user hands pare (configs, vocabularies, data and corpora), checked before any
// byte is read: a path that is a directory or a device (/dev/zero would never end) is refused, and
// so is a file larger than a quarter of this machine's memory (its text is held, then tokenised
// into several times its size); pipes are read up to that bound. Errors name the file and `what`
// it is.
//
// A named pipe (mkfifo) is opened without blocking: open() of one that no program writes into would
// otherwise wait forever. pare waits kInputPipeWriterWait for a writer, then refuses the file.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>

namespace pare {

inline constexpr std::chrono::seconds kInputPipeWriterWait{3};

// Throws pare::Error unless `path` is a regular file (or a pipe) within the bound.
void check_input_file(const std::filesystem::path& path, const std::string& what);

// The whole file, after check_input_file.
std::string read_input_file(const std::filesystem::path& path, const std::string& what);

}  // namespace pare
