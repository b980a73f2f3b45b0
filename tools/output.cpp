// SPDX-License-Identifier: MIT
#include "output.hpp"

#include <cstdio>

namespace satori::tool {

void Output::event(const std::string &event, const std::string &text, nlohmann::json obj)
{
    std::lock_guard lock(mu_);
    if (json_) {
        if (!obj.is_object())
            obj = nlohmann::json::object();
        obj["event"] = event;
        obj["message"] = text;
        std::printf("%s\n", obj.dump().c_str());
    } else {
        std::printf("satori: %s\n", text.c_str());
    }
    std::fflush(stdout);
}

void Output::result(const std::string &text, nlohmann::json obj)
{
    std::lock_guard lock(mu_);
    if (json_) {
        if (!obj.is_object())
            obj = nlohmann::json::object();
        obj["event"] = "result";
        std::printf("%s\n", obj.dump().c_str());
    } else {
        std::printf("%s\n", text.c_str());
    }
    std::fflush(stdout);
}

} // namespace satori::tool
