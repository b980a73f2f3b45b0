// SPDX-License-Identifier: MIT
// fuzz/common/standalone_main.cpp — runs a fuzz target over files without libFuzzer, so the
// normal (gcc) build and ctest replay the seed corpora and fuzz/regressions/.
//   <target> FILE|DIR...   each file is one input; directories are read (not recursively)
// Exit status: 0 when every input ran; 1 when a path cannot be read or none was given.
// A crash, sanitizer report or failed check aborts the process, which ctest reports.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int *argc, char ***argv);

namespace {

bool run_file(const std::filesystem::path &p)
{
    std::ifstream in(p, std::ios::binary);
    if (!in) {
        std::fprintf(stderr, "cannot read %s\n", p.c_str());
        return false;
    }
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::fprintf(stderr, "running %s (%zu bytes)\n", p.c_str(), bytes.size());
    LLVMFuzzerTestOneInput(bytes.data(), bytes.size());
    return true;
}

} // namespace

int main(int argc, char **argv)
{
    if (LLVMFuzzerInitialize) LLVMFuzzerInitialize(&argc, &argv);
    size_t ran = 0;
    bool ok = argc > 1;
    for (int i = 1; i < argc; ++i) {
        const std::filesystem::path p(argv[i]);
        std::error_code ec;
        if (std::filesystem::is_directory(p, ec)) {
            std::vector<std::filesystem::path> files;
            for (const auto &e : std::filesystem::directory_iterator(p))
                if (e.is_regular_file() && e.path().filename().string()[0] != '.')
                    files.push_back(e.path());
            std::sort(files.begin(), files.end());
            for (const auto &f : files) {
                ok = run_file(f) && ok;
                ++ran;
            }
        } else {
            ok = run_file(p) && ok;
            ++ran;
        }
    }
    std::fprintf(stderr, "%zu inputs ran\n", ran);
    return ok ? 0 : 1;
}
