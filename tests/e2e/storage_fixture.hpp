// SPDX-License-Identifier: MIT
// tests/e2e/storage_fixture.hpp — `satori run --sim --disk ...` in the background, with its
// disks' NBD URIs, for end-to-end tests through real NBD clients.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/background_process.hpp"
#include "support/process.hpp"

#include <catch2/catch.hpp>

namespace satori::test {

/// Fails the test (never skips it) when a client tool is missing.
inline void require_tool(const std::string &tool, const std::string &package)
{
    auto r = run_process("command -v " + tool);
    if (r.exit_code != 0)
        FAIL(tool + " is not installed: install the Debian package " + package +
             " (scripts/test does)");
}

class TempDir {
public:
    TempDir()
    {
        char tmpl[] = "/tmp/satori-e2e-XXXXXX";
        path_ = mkdtemp(tmpl);
    }
    ~TempDir() { std::filesystem::remove_all(path_); }
    std::string operator/(const std::string &name) const { return path_ + "/" + name; }
    const std::string &path() const { return path_; }

private:
    std::string path_;
};

inline void write_random_file(const std::string &path, size_t bytes, uint32_t seed)
{
    std::mt19937_64 rng(seed);
    std::vector<uint64_t> buf(bytes / 8);
    for (auto &w : buf)
        w = rng();
    std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char *>(buf.data()),
                                                static_cast<std::streamsize>(bytes));
}

inline void make_sparse_file(const std::string &path, uint64_t bytes)
{
    std::filesystem::remove(path);
    std::ofstream(path, std::ios::binary).close();
    std::filesystem::resize_file(path, bytes);
}

inline bool files_equal(const std::string &a, const std::string &b)
{
    return run_process("cmp -s '" + a + "' '" + b + "'").exit_code == 0;
}

/// Starts satori with @p disk_args (each a --disk value) and waits until every disk is
/// exported. uri(i) is the NBD URI of the i-th export.
class SatoriStorage {
public:
    SatoriStorage(const TempDir &dir, const std::vector<std::string> &disk_args,
                  const std::string &extra = "")
        : socket_(dir / "nbd.sock")
    {
        std::string cmd = std::string(SATORI_TOOL) + " run --sim --json --plugins " +
                          SATORI_PLUGIN_DIR + " --heartbeat-interval 1000 --nbd-socket " + socket_;
        for (auto &d : disk_args)
            cmd += " --disk " + d;
        cmd += " " + extra;
        proc_ = std::make_unique<BackgroundProcess>(cmd);
        size_t want = disk_args.size();
        while (uris_.size() < want) {
            auto line = proc_->wait_line([](const std::string &l) {
                return l.find("\"event\":\"export_added\"") != std::string::npos ||
                       l.find("\"event\":\"running\"") != std::string::npos;
            });
            if (line.empty())
                break;
            auto j = nlohmann::json::parse(line);
            if (j["event"] == "export_added")
                uris_.push_back(j["detail"].get<std::string>());
            else if (uris_.size() < want)
                break; // running without all disks: a failure the test reports
        }
        REQUIRE(uris_.size() == want);
    }

    ~SatoriStorage()
    {
        if (proc_) {
            proc_->signal(SIGTERM);
            proc_->wait_exit();
        }
    }

    const std::string &uri(size_t i = 0) const { return uris_.at(i); }
    const std::string &socket() const { return socket_; }
    BackgroundProcess &process() { return *proc_; }

    /// Stops with SIGTERM and returns the exit code (0 = clean).
    int stop()
    {
        proc_->signal(SIGTERM);
        proc_->drain();
        return proc_->wait_exit();
    }

private:
    std::string socket_;
    std::unique_ptr<BackgroundProcess> proc_;
    std::vector<std::string> uris_;
};

} // namespace satori::test
