// SPDX-License-Identifier: MIT
// tools/gate_util.hpp — small helpers for the release checks (abi-check, check-plugin):
// running a program and capturing its output, files, temporary directories.
#pragma once

#include <string>
#include <vector>

namespace satori::tool::gate {

/// What a finished child process left behind.
struct RunResult {
    int exit_code = -1; ///< Exit status, or 128 + signal, or -1 when it could not be started.
    std::string output; ///< stdout and stderr, interleaved as written.
};

/// Runs @p argv (argv[0] looked up in PATH), waits, returns exit code and combined output.
/// If @p stdout_file is not empty, stdout goes there instead and only stderr is captured.
RunResult run(const std::vector<std::string> &argv, const std::string &stdout_file = "");

/// True when @p name is an executable found in PATH (or a path to one).
bool have_program(const std::string &name);

bool read_file(const std::string &path, std::string &out);
bool write_file(const std::string &path, const std::string &text);
bool is_dir(const std::string &path);
bool is_file(const std::string &path);
/// mkdir -p. @return false (and a message in @p err) on failure.
bool make_dirs(const std::string &path, std::string &err);
/// rm -rf of a directory created by this tool.
void remove_tree(const std::string &path);
/// A fresh directory under $TMPDIR (or /tmp) named after @p tag.
std::string make_temp_dir(const std::string &tag);
/// realpath(3), or @p path unchanged when it does not exist.
std::string real_path(const std::string &path);
/// Directory of the running executable.
std::string exe_dir();
/// Every regular file under @p dir whose name ends with @p suffix, as paths relative to
/// @p dir, sorted.
std::vector<std::string> list_files(const std::string &dir, const std::string &suffix);

/// "a b  c" -> "a b c", trimmed.
std::string squeeze_spaces(const std::string &s);
/// Replaces every occurrence of @p from in @p s.
void replace_all(std::string &s, const std::string &from, const std::string &to);

} // namespace satori::tool::gate
