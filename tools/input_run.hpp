// SPDX-License-Identifier: MIT
// tools/input_run.hpp — `satori run --sim --mouse --keyboard`: the simulated input devices,
// the shim's HID options, an input script, and a client of the HID event stream that prints
// what arrives. Also the event-stream client `satori events` uses.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <satori/embed.h>
#include <satori/sim/host.hpp>
#include <satori/sim/inputvsp.hpp>

#include "output.hpp"

namespace satori::tool {

struct InputOptions {
    bool mouse = false;
    bool keyboard = false;
    std::string script_file;   ///< --input-script FILE
    std::string type_text;     ///< --type TEXT
    bool demo = false;         ///< --input-demo: a built-in script
    std::string uhid;          ///< --uhid PATH ("" = the shim's default /dev/uhid, "off")
    std::string events_socket; ///< --events-socket PATH ("" = default_events_socket())
    bool quiet = false;        ///< --no-input-events: do not print the stream
};

/// $XDG_RUNTIME_DIR/satori/events.sock, else /tmp/satori-<uid>/events.sock (the shim's default).
std::string default_events_socket();
/// One event-stream line in words ("mouse0: pointer at 100,200 buttons left", ...).
std::string describe_input_line(const nlohmann::json &line);

void add_input_options(CLI::App *cmd, InputOptions &o);

class InputRun {
  public:
    ~InputRun();
    /// Adds the devices to @p host and reads the script. False and @p error on bad options.
    bool setup(const InputOptions &o, sim::Host &host, Output &out, std::string &error);
    /// Sets hid.* options on the shim (before start).
    bool configure_shim(satori_shim *shim, std::string &error);
    /// After start: connects to the event stream (prints it) and runs the script.
    void start();
    /// Before the shim stops: ends the script and the stream client.
    void stop();
    /// Adds "input" to the stop summary.
    void summarize(nlohmann::json &summary, std::string &text) const;
    bool active() const noexcept { return mouse_ || keyboard_; }

  private:
    void stream_loop();
    void script_loop();

    InputOptions opt_;
    Output *out_ = nullptr;
    std::shared_ptr<sim::MouseVsp> mouse_;
    std::shared_ptr<sim::KeyboardVsp> keyboard_;
    sim::InputScript script_;
    std::string socket_;
    std::atomic<bool> stop_{false};
    std::atomic<bool> connected_{false};
    std::atomic<uint64_t> lines_{0};
    std::thread stream_thread_, script_thread_;
    std::string script_error_;
    std::atomic<bool> script_done_{false};
};

} // namespace satori::tool
