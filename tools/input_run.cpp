// SPDX-License-Identifier: MIT
#include "input_run.hpp"

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "common.hpp"

namespace satori::tool {

namespace {

constexpr const char *kDemoScript = R"(# satori run --sim --mouse --keyboard --input-demo
wait
path 1000 1000 16000 12000 5
click left
wheel 1
wheel -1
press right
move 20000 20000
release right
type Hello, Satori!\n
key up
key pause
)";

std::string buttons_text(unsigned b)
{
    static const char *names[] = {"left", "right", "middle", "button4", "button5"};
    std::string s;
    for (unsigned i = 0; i < 5; i++)
        if (b & (1u << i)) s += std::string(s.empty() ? "" : "+") + names[i];
    return s.empty() ? "none" : s;
}

} // namespace

std::string default_events_socket()
{
    const char *xdg = std::getenv("XDG_RUNTIME_DIR");
    if (xdg && xdg[0] == '/') return std::string(xdg) + "/satori/events.sock";
    return "/tmp/satori-" + std::to_string(getuid()) + "/events.sock";
}

std::string describe_input_line(const nlohmann::json &j)
{
    const std::string type = j.value("type", "");
    const std::string dev = j.value("dev", "");
    const std::string replay = j.value("replay", false) ? " (last state)" : "";
    if (type == "abs" || type == "rel")
        return dev + ": pointer " + (type == "abs" ? "at " : "moved ") +
               std::to_string(j.value("x", 0)) + "," + std::to_string(j.value("y", 0)) +
               ", buttons " + buttons_text(j.value("buttons", 0u)) +
               (j.value("wheel", 0) ? ", wheel " + std::to_string(j.value("wheel", 0)) : "") +
               replay;
    if (type == "key")
        return dev + ": " + j.value("code", "?") + (j.value("value", 0) ? " down" : " up") +
               replay;
    if (type == "device")
        return dev + ": " + j.value("name", "") + " (" + j.value("kind", "") + ", " +
               std::to_string(j.value("descriptor_bytes", 0)) + "-byte report descriptor)";
    if (type == "removed") return dev + ": removed";
    if (type == "hello") return "connected to the HID event stream";
    return j.dump();
}

void add_input_options(CLI::App *cmd, InputOptions &o)
{
    cmd->add_flag("--mouse", o.mouse, "Offer the simulated synthetic HID mouse");
    cmd->add_flag("--keyboard", o.keyboard, "Offer the simulated synthetic keyboard");
    cmd->add_option("--input-script", o.script_file,
                    "Input script for the simulated mouse/keyboard (see docs/input.md)");
    cmd->add_option("--type", o.type_text, "Type this text on the simulated keyboard");
    cmd->add_flag("--input-demo", o.demo, "Run a built-in pointer-and-typing script");
    cmd->add_option("--uhid", o.uhid,
                    "uhid node for HID devices (default /dev/uhid when present; 'off' = none)");
    cmd->add_option("--events-socket", o.events_socket,
                    "Unix socket of the HID event stream (default $XDG_RUNTIME_DIR/satori/events.sock)");
    cmd->add_flag("--no-input-events", o.quiet, "Do not print the HID event stream");
}

InputRun::~InputRun() { stop(); }

bool InputRun::setup(const InputOptions &o, sim::Host &host, Output &out, std::string &error)
{
    opt_ = o;
    out_ = &out;
    std::string text;
    if (o.demo) text += kDemoScript;
    if (!o.script_file.empty()) {
        std::ifstream in(o.script_file);
        if (!in) {
            error = "--input-script " + o.script_file + ": cannot read it";
            return false;
        }
        std::stringstream ss;
        ss << in.rdbuf();
        text += ss.str() + "\n";
    }
    if (!o.type_text.empty()) text += "wait\ntype " + o.type_text + "\n";
    if (!text.empty() && !script_.parse(text, error)) {
        error = "input script: " + error;
        return false;
    }
    const bool want_mouse = o.mouse || o.demo;
    const bool want_kbd = o.keyboard || o.demo || !o.type_text.empty();
    if (!text.empty() && !want_mouse && !want_kbd) {
        error = "an input script needs --mouse and/or --keyboard";
        return false;
    }
    if (want_mouse) {
        mouse_ = std::make_shared<sim::MouseVsp>();
        host.add_device(mouse_);
    }
    if (want_kbd) {
        sim::KeyboardConfig kc;
        kc.on_leds = [this](uint16_t flags) {
            std::string t;
            if (flags & 0x2) t += " num";
            if (flags & 0x4) t += " caps";
            if (flags & 0x1) t += " scroll";
            out_->event("leds", "keyboard LEDs now:" + (t.empty() ? std::string(" off") : t),
                        {{"flags", flags}});
        };
        keyboard_ = std::make_shared<sim::KeyboardVsp>(std::move(kc));
        host.add_device(keyboard_);
    }
    socket_ = o.events_socket.empty() ? default_events_socket() : o.events_socket;
    return true;
}

bool InputRun::configure_shim(satori_shim *shim, std::string &error)
{
    if (!active()) return true;
    if (!opt_.uhid.empty() &&
        satori_shim_set_option(shim, "hid.uhid", opt_.uhid == "off" ? "" : opt_.uhid.c_str()) < 0) {
        error = "--uhid " + opt_.uhid + ": the shim refused the path";
        return false;
    }
    if (satori_shim_set_option(shim, "hid.events_socket", socket_.c_str()) < 0) {
        error = "--events-socket " + socket_ + ": not a usable socket path (at most 107 bytes)";
        return false;
    }
    return true;
}

void InputRun::start()
{
    if (!active()) return;
    if (!opt_.quiet) stream_thread_ = std::thread([this] { stream_loop(); });
    if (script_.size()) script_thread_ = std::thread([this] { script_loop(); });
}

void InputRun::stop()
{
    stop_ = true;
    if (script_thread_.joinable()) script_thread_.join();
    if (stream_thread_.joinable()) stream_thread_.join();
}

void InputRun::script_loop()
{
    // the printer first, so that every event of the script is shown
    for (int i = 0; i < 300 && !opt_.quiet && !connected_ && !stop_; i++)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    std::string error;
    const bool ok = script_.run(mouse_.get(), keyboard_.get(),
                                [this] { return stop_.load() || stop_requested(); }, error);
    if (!ok) {
        script_error_ = error;
        out_->event("script_error", "input script: " + error, {{"error", error}});
    } else {
        out_->event("script_done", "input script finished (" + std::to_string(script_.size()) +
                                       " commands)",
                    {{"commands", script_.size()}});
    }
    script_done_ = true;
}

void InputRun::stream_loop()
{
    int fd = -1;
    sockaddr_un sa{};
    sa.sun_family = AF_UNIX;
    std::snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", socket_.c_str());
    for (int i = 0; i < 300 && !stop_; i++) { // the shim listens once a HID device exists
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd >= 0 && connect(fd, reinterpret_cast<sockaddr *>(&sa), sizeof(sa)) == 0) break;
        if (fd >= 0) close(fd);
        fd = -1;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (fd < 0) {
        if (!stop_)
            out_->event("warning", "cannot connect to the HID event stream " + socket_,
                        {{"socket", socket_}});
        return;
    }
    std::string buf;
    char chunk[4096];
    while (!stop_) {
        pollfd p{fd, POLLIN, 0};
        if (poll(&p, 1, 100) <= 0) continue;
        const ssize_t n = read(fd, chunk, sizeof(chunk));
        if (n <= 0) break;
        buf.append(chunk, static_cast<size_t>(n));
        for (size_t nl; (nl = buf.find('\n')) != std::string::npos;) {
            const std::string line = buf.substr(0, nl);
            buf.erase(0, nl + 1);
            auto j = nlohmann::json::parse(line, nullptr, false);
            if (j.is_discarded() || !j.is_object()) continue;
            if (j.value("type", "") == "hello") connected_ = true;
            lines_++;
            out_->event("input", "input: " + describe_input_line(j), j);
        }
    }
    close(fd);
}

void InputRun::summarize(nlohmann::json &summary, std::string &text) const
{
    if (!active()) return;
    nlohmann::json in = nlohmann::json::object();
    if (mouse_) {
        auto s = mouse_->stats();
        in["mouse"] = {{"reports", s.reports_sent}, {"ready", s.ready},
                       {"protocol_errors", s.protocol_errors}};
        text += "; mouse: " + std::to_string(s.reports_sent) + " reports";
    }
    if (keyboard_) {
        auto s = keyboard_->stats();
        in["keyboard"] = {{"events", s.events_sent}, {"ready", s.ready},
                          {"led_messages", s.led_messages}, {"protocol_errors", s.protocol_errors}};
        text += "; keyboard: " + std::to_string(s.events_sent) + " key events";
    }
    in["stream_lines"] = lines_.load();
    if (!script_error_.empty()) in["script_error"] = script_error_;
    summary["input"] = in;
}

} // namespace satori::tool
