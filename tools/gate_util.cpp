// SPDX-License-Identifier: MIT
// tools/gate_util.cpp — process, file and directory helpers for the release checks.
#include "gate_util.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace satori::tool::gate {

namespace fs = std::filesystem;

RunResult run(const std::vector<std::string> &argv, const std::string &stdout_file)
{
    RunResult res;
    if (argv.empty()) return res;
    int pipefd[2];
    if (pipe2(pipefd, O_CLOEXEC) != 0) {
        res.output = std::string("pipe: ") + std::strerror(errno);
        return res;
    }
    int out_fd = -1;
    if (!stdout_file.empty()) {
        out_fd = open(stdout_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (out_fd < 0) {
            res.output = stdout_file + ": " + std::strerror(errno);
            close(pipefd[0]);
            close(pipefd[1]);
            return res;
        }
    }
    std::vector<char *> args;
    for (const auto &a : argv)
        args.push_back(const_cast<char *>(a.c_str()));
    args.push_back(nullptr);

    pid_t pid = fork();
    if (pid == 0) {
        dup2(out_fd >= 0 ? out_fd : pipefd[1], STDOUT_FILENO);
        dup2(pipefd[1], STDERR_FILENO);
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull >= 0) dup2(devnull, STDIN_FILENO);
        execvp(args[0], args.data());
        dprintf(STDERR_FILENO, "cannot run %s: %s\n", args[0], std::strerror(errno));
        _exit(127);
    }
    close(pipefd[1]);
    if (out_fd >= 0) close(out_fd);
    if (pid < 0) {
        res.output = std::string("fork: ") + std::strerror(errno);
        close(pipefd[0]);
        return res;
    }
    char buf[65536];
    for (;;) {
        ssize_t n = read(pipefd[0], buf, sizeof(buf));
        if (n > 0) {
            res.output.append(buf, static_cast<size_t>(n));
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        break;
    }
    close(pipefd[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(status))
        res.exit_code = WEXITSTATUS(status);
    else if (WIFSIGNALED(status))
        res.exit_code = 128 + WTERMSIG(status);
    return res;
}

bool have_program(const std::string &name)
{
    if (name.find('/') != std::string::npos) return access(name.c_str(), X_OK) == 0;
    const char *path = std::getenv("PATH");
    std::string p = path ? path : "/usr/bin:/bin";
    std::stringstream ss(p);
    std::string dir;
    while (std::getline(ss, dir, ':')) {
        if (dir.empty()) dir = ".";
        if (access((dir + "/" + name).c_str(), X_OK) == 0) return true;
    }
    return false;
}

bool read_file(const std::string &path, std::string &out)
{
    std::ifstream in(path, std::ios::binary);
    if (!in) return false;
    std::ostringstream ss;
    ss << in.rdbuf();
    out = ss.str();
    return true;
}

bool write_file(const std::string &path, const std::string &text)
{
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out) return false;
    out << text;
    return static_cast<bool>(out.flush());
}

bool is_dir(const std::string &path)
{
    std::error_code ec;
    return fs::is_directory(path, ec);
}

bool is_file(const std::string &path)
{
    std::error_code ec;
    return fs::is_regular_file(path, ec);
}

bool make_dirs(const std::string &path, std::string &err)
{
    std::error_code ec;
    fs::create_directories(path, ec);
    if (ec && !is_dir(path)) {
        err = path + ": " + ec.message();
        return false;
    }
    return true;
}

void remove_tree(const std::string &path)
{
    std::error_code ec;
    if (!path.empty()) fs::remove_all(path, ec);
}

std::string make_temp_dir(const std::string &tag)
{
    const char *tmp = std::getenv("TMPDIR");
    std::string tmpl = std::string(tmp && *tmp ? tmp : "/tmp") + "/satori-" + tag + "-XXXXXX";
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    if (!mkdtemp(buf.data())) return "";
    return std::string(buf.data());
}

std::string real_path(const std::string &path)
{
    char *r = realpath(path.c_str(), nullptr);
    if (!r) return path;
    std::string s(r);
    std::free(r);
    return s;
}

std::string exe_dir()
{
    std::error_code ec;
    auto p = fs::read_symlink("/proc/self/exe", ec);
    if (ec) return ".";
    return p.parent_path().string();
}

std::vector<std::string> list_files(const std::string &dir, const std::string &suffix)
{
    std::vector<std::string> out;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(dir, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (!it->is_regular_file(ec)) continue;
        std::string name = it->path().filename().string();
        if (name.size() >= suffix.size() &&
            name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0)
            out.push_back(fs::relative(it->path(), dir, ec).string());
    }
    std::sort(out.begin(), out.end());
    return out;
}

std::string squeeze_spaces(const std::string &s)
{
    std::string out;
    bool space = false;
    for (char c : s) {
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            space = !out.empty();
            continue;
        }
        if (space) out += ' ';
        space = false;
        out += c;
    }
    return out;
}

void replace_all(std::string &s, const std::string &from, const std::string &to)
{
    if (from.empty()) return;
    size_t pos = 0;
    while ((pos = s.find(from, pos)) != std::string::npos) {
        s.replace(pos, from.size(), to);
        pos += to.size();
    }
}

} // namespace satori::tool::gate
