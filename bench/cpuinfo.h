#pragma once

// The CPU a benchmark ran on, printed beside its figures: the same binary differs by 2x between CPUs.

#include "analysis/kernelset.h"

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

namespace slimscope::bench {

inline void printCpu()
{
    std::ifstream cpuinfo("/proc/cpuinfo");
    std::string line, model = "unknown", flags;
    while (std::getline(cpuinfo, line)) {
        const auto colon = line.find(':');
        if (colon == std::string::npos)
            continue;
        const std::string key = line.substr(0, line.find_first_of(" \t"));
        const std::string value = colon + 2 <= line.size() ? line.substr(colon + 2) : "";
        if (key == "model" && line.rfind("model name", 0) == 0 && model == "unknown")
            model = value;
        if (key == "flags" && flags.empty()) {
            std::istringstream words(value);
            for (std::string word; words >> word;)
                if (word == "avx2" || word == "fma" || word == "f16c" || word == "avx512f" || word == "avx512bw"
                    || word == "avx512vl")
                    flags += word + " ";
        }
    }
    std::printf("cpu: %s, %u cores; flags: %s; statistics kernels: %s\n", model.c_str(),
        std::thread::hardware_concurrency(), flags.c_str(),
        std::string(core::analysis::kernelSetName(core::analysis::defaultKernelSet())).c_str());
}

} // namespace slimscope::bench
