// SPDX-License-Identifier: MIT
// tools/output.hpp — status lines for people, or one JSON object per line for scripts.
#pragma once

#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

namespace satori::tool {

class Output {
public:
    explicit Output(bool json) : json_(json) {}
    bool json() const { return json_; }

    /// Human mode prints "satori: <text>"; JSON mode prints @p obj with "event" = @p event.
    void event(const std::string &event, const std::string &text, nlohmann::json obj = {});
    /// Printed as is in human mode, as {"event":"result",...} in JSON mode.
    void result(const std::string &text, nlohmann::json obj = {});

private:
    bool json_;
    std::mutex mu_;
};

} // namespace satori::tool
