// SPDX-License-Identifier: MIT
// bench/common/bench_main.cpp — Google Benchmark's main plus the run scale in the context,
// and a non-zero exit when any benchmark reported an error (SkipWithError: bad data, a
// failed open, a device that did not come up), so the ctest smoke runs can fail.
#include <benchmark/benchmark.h>

#include <cstdio>

#include "common/bench_util.hpp"

namespace {

class CountingReporter final : public benchmark::ConsoleReporter {
  public:
    void ReportRuns(const std::vector<Run> &runs) override
    {
        for (const auto &r : runs)
            if (r.error_occurred) ++errors_;
        ConsoleReporter::ReportRuns(runs);
    }
    int errors() const { return errors_; }

  private:
    int errors_ = 0;
};

} // namespace

int main(int argc, char **argv)
{
    const char *names[] = {"smoke", "quick", "full"};
    benchmark::AddCustomContext("satori_scale", names[static_cast<int>(satori::bench::scale())]);
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    CountingReporter reporter;
    benchmark::RunSpecifiedBenchmarks(&reporter);
    benchmark::Shutdown();
    if (reporter.errors()) {
        std::fprintf(stderr, "%d benchmark run(s) reported an error\n", reporter.errors());
        return 1;
    }
    return 0;
}
