// SPDX-License-Identifier: MIT
// InputScript: a line-oriented script of pointer and keyboard actions for the simulated
// input devices (see inputvsp.hpp for the commands).
#include <satori/sim/inputvsp.hpp>

#include <charconv>
#include <sstream>
#include <thread>

#include <satori/errno.h>

namespace satori::sim {

namespace {

bool number(const std::string &s, int32_t lo, int32_t hi, int32_t &out)
{
    int32_t v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || p != s.data() + s.size() || v < lo || v > hi) return false;
    out = v;
    return true;
}

bool button(const std::string &s, int32_t &out)
{
    if (s.empty() || s == "left") out = kButtonLeft;
    else if (s == "right") out = kButtonRight;
    else if (s == "middle") out = kButtonMiddle;
    else return false;
    return true;
}

std::string unescape(std::string_view s)
{
    std::string out;
    for (size_t i = 0; i < s.size(); i++) {
        if (s[i] == '\\' && i + 1 < s.size()) {
            const char n = s[++i];
            out += n == 'n' ? '\n' : n == 't' ? '\t' : n;
        } else {
            out += s[i];
        }
    }
    return out;
}

} // namespace

bool InputScript::parse(std::string_view text, std::string &error)
{
    steps_.clear();
    std::istringstream in{std::string(text)};
    std::string line;
    int n = 0;
    while (std::getline(in, line)) {
        n++;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        std::istringstream ls(line);
        Step st;
        st.line = n;
        if (!(ls >> st.op) || st.op[0] == '#') continue;
        auto bad = [&](const std::string &why) {
            error = "line " + std::to_string(n) + ": " + why;
            return false;
        };
        std::vector<std::string> words;
        for (std::string w; ls >> w;)
            words.push_back(w);
        auto nums = [&](size_t count, int32_t lo, int32_t hi) {
            if (words.size() != count) return false;
            for (const auto &w : words) {
                int32_t v;
                if (!number(w, lo, hi, v)) return false;
                st.args.push_back(v);
            }
            return true;
        };
        if (st.op == "wait") {
            if (!words.empty()) return bad("wait takes no arguments");
        } else if (st.op == "move") {
            if (!nums(2, 0, 32767)) return bad("move X Y, each 0..32767");
        } else if (st.op == "path") {
            if (!nums(5, 0, 32767) || st.args[4] < 1 || st.args[4] > 10000)
                return bad("path X1 Y1 X2 Y2 STEPS (coordinates 0..32767, 1..10000 steps)");
        } else if (st.op == "click" || st.op == "press" || st.op == "release") {
            int32_t b;
            if (words.size() > 1 || !button(words.empty() ? "" : words[0], b))
                return bad(st.op + " [left|right|middle]");
            st.args.push_back(b);
        } else if (st.op == "wheel") {
            if (!nums(1, -32767, 32767)) return bad("wheel N, -32767..32767");
        } else if (st.op == "sleep") {
            if (!nums(1, 0, 600000)) return bad("sleep MS, 0..600000");
        } else if (st.op == "type") {
            const auto pos = line.find("type") + 4;
            st.text = unescape(pos < line.size() ? std::string_view(line).substr(pos + 1) : "");
            for (char c : st.text) {
                ScanKey k;
                bool shift;
                if (!us_char_to_key(c, k, shift))
                    return bad(std::string("cannot type '") + c + "' on a US layout");
            }
        } else if (st.op == "key" || st.op == "keydown" || st.op == "keyup") {
            if (words.size() != 1) return bad(st.op + " NAME");
            st.text = words[0];
            if (!(st.op == "key" && st.text == "pause") && !key_by_name(st.text, st.key))
                return bad("unknown key '" + st.text + "'");
        } else {
            return bad("unknown command '" + st.op + "'");
        }
        steps_.push_back(std::move(st));
    }
    return true;
}

bool InputScript::run(MouseVsp *mouse, KeyboardVsp *keyboard, const std::function<bool()> &stop,
                      std::string &error) const
{
    for (const auto &st : steps_) {
        if (stop && stop()) return true;
        const bool pointer = st.op == "move" || st.op == "path" || st.op == "click" ||
                             st.op == "press" || st.op == "release" || st.op == "wheel";
        const bool keys = st.op == "type" || st.op == "key" || st.op == "keydown" ||
                          st.op == "keyup";
        auto fail = [&](const std::string &why) {
            error = "line " + std::to_string(st.line) + " (" + st.op + "): " + why;
            return false;
        };
        if (pointer && !mouse) return fail("no mouse (use --mouse)");
        if (keys && !keyboard) return fail("no keyboard (use --keyboard)");
        int32_t r = 0;
        if (st.op == "wait") {
            if (mouse && !mouse->wait_ready(std::chrono::seconds(10)))
                return fail("the guest did not set up the mouse within 10 s");
            if (keyboard && !keyboard->wait_ready(std::chrono::seconds(10)))
                return fail("the guest did not set up the keyboard within 10 s");
        } else if (st.op == "move") {
            r = mouse->move_to(static_cast<uint16_t>(st.args[0]), static_cast<uint16_t>(st.args[1]));
        } else if (st.op == "path") {
            const int32_t steps = st.args[4];
            for (int32_t i = 0; i <= steps && r == 0; i++) {
                const int64_t x = st.args[0] + int64_t{st.args[2] - st.args[0]} * i / steps;
                const int64_t y = st.args[1] + int64_t{st.args[3] - st.args[1]} * i / steps;
                r = mouse->move_to(static_cast<uint16_t>(x), static_cast<uint16_t>(y));
            }
        } else if (st.op == "click") {
            r = mouse->click(static_cast<uint8_t>(st.args[0]));
        } else if (st.op == "press") {
            r = mouse->press(static_cast<uint8_t>(st.args[0]));
        } else if (st.op == "release") {
            r = mouse->release(static_cast<uint8_t>(st.args[0]));
        } else if (st.op == "wheel") {
            r = mouse->wheel(static_cast<int16_t>(st.args[0]));
        } else if (st.op == "sleep") {
            const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(st.args[0]);
            while (std::chrono::steady_clock::now() < end && !(stop && stop()))
                std::this_thread::sleep_for(std::chrono::milliseconds(10));
        } else if (st.op == "type") {
            r = keyboard->type_text(st.text);
        } else if (st.op == "key") {
            r = st.text == "pause" ? keyboard->pause() : keyboard->tap(st.key);
        } else if (st.op == "keydown") {
            r = keyboard->press(st.key);
        } else if (st.op == "keyup") {
            r = keyboard->release(st.key);
        }
        if (r != 0)
            return fail(r == -SATORI_ENODEV ? "the device is not ready (add 'wait' first?)"
                                            : "send failed (" + std::to_string(r) + ")");
    }
    return true;
}

} // namespace satori::sim
