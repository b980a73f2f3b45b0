// SPDX-License-Identifier: MIT
// tests/support/background_process.hpp — run a program in the background, read its stdout
// line by line, wait for a line, signal or kill it.
#pragma once

#include <chrono>
#include <csignal>
#include <cstdio>
#include <functional>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace satori::test {

class BackgroundProcess {
public:
    /// Starts /bin/sh -c @p cmd with stdout piped to us (stderr passes through).
    explicit BackgroundProcess(const std::string &cmd)
    {
        int fds[2];
        if (pipe(fds) != 0)
            return;
        pid_ = fork();
        if (pid_ == 0) {
            dup2(fds[1], 1);
            close(fds[0]);
            close(fds[1]);
            setpgid(0, 0);
            execl("/bin/sh", "sh", "-c", ("exec " + cmd).c_str(), static_cast<char *>(nullptr));
            _exit(127);
        }
        close(fds[1]);
        out_ = fdopen(fds[0], "r");
    }

    ~BackgroundProcess()
    {
        if (pid_ > 0 && !exited_) {
            kill(pid_, SIGKILL);
            wait_exit();
        }
        if (out_)
            std::fclose(out_);
    }

    /// Reads lines until @p pred matches one (returned) or the stream ends ("" returned).
    std::string wait_line(const std::function<bool(const std::string &)> &pred)
    {
        char buf[8192];
        while (out_ && std::fgets(buf, sizeof(buf), out_)) {
            std::string line(buf);
            if (!line.empty() && line.back() == '\n')
                line.pop_back();
            lines_.push_back(line);
            if (pred(line))
                return line;
        }
        return "";
    }

    /// Reads the rest of the output (after the process ended or closed stdout).
    void drain() { wait_line([](const std::string &) { return false; }); }

    void signal(int sig) { kill(pid_, sig); }

    /// Waits for the exit; returns the exit code, or 128 + signal.
    int wait_exit()
    {
        if (exited_)
            return status_;
        int st = 0;
        waitpid(pid_, &st, 0);
        exited_ = true;
        status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        return status_;
    }

    const std::vector<std::string> &lines() const { return lines_; }
    pid_t pid() const { return pid_; }

private:
    pid_t pid_ = -1;
    FILE *out_ = nullptr;
    bool exited_ = false;
    int status_ = -1;
    std::vector<std::string> lines_;
};

} // namespace satori::test
