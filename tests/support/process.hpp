// SPDX-License-Identifier: MIT
// tests/support/process.hpp — run a command, capture its stdout lines and exit status.
#pragma once

#include <cstdio>
#include <string>
#include <sys/wait.h>
#include <vector>

namespace satori::test {

struct ProcessResult {
    int exit_code = -1;
    std::vector<std::string> lines;
};

/// Runs @p cmd with /bin/sh; stderr goes to the test's stderr.
inline ProcessResult run_process(const std::string &cmd)
{
    ProcessResult r;
    FILE *p = popen(cmd.c_str(), "r");
    if (!p)
        return r;
    char buf[8192];
    while (std::fgets(buf, sizeof(buf), p)) {
        std::string line(buf);
        if (!line.empty() && line.back() == '\n')
            line.pop_back();
        r.lines.push_back(line);
    }
    int status = pclose(p);
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return r;
}

} // namespace satori::test
