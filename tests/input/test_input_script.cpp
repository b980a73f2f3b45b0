// SPDX-License-Identifier: MIT
// The simulator's input script and US-layout key tables.
#include <catch2/catch.hpp>

#include <cctype>
#include <string>

#include <satori/sim/inputvsp.hpp>

#include "scancode.hpp"

using namespace satori::sim;

TEST_CASE("input scripts parse, and bad lines are named", "[input][script]")
{
    InputScript s;
    std::string err;
    REQUIRE(s.parse("# comment\nwait\nmove 1 2\npath 0 0 10 10 5\nclick\nclick right\n"
                    "press middle\nrelease middle\nwheel -3\ntype Hello, World!\\n\nkey enter\n"
                    "key pause\nkeydown lshift\nkeyup lshift\nsleep 5\n",
                    err));
    CHECK(s.size() == 14);
    const std::pair<const char *, const char *> bad[] = {
        {"move 1", "line 1: move X Y"},
        {"move 1 40000", "line 1: move X Y"},
        {"wait\npath 0 0 1 1 0", "line 2: path"},
        {"click up", "line 1: click [left|right|middle]"},
        {"wheel 40000", "line 1: wheel N"},
        {"type caf\xc3\xa9", "line 1: cannot type"},
        {"key nosuchkey", "line 1: unknown key 'nosuchkey'"},
        {"keydown pause", "line 1: unknown key 'pause'"},
        {"jump 3", "line 1: unknown command 'jump'"},
        {"sleep -1", "line 1: sleep MS"},
    };
    for (const auto &[text, why] : bad) {
        INFO(text);
        CHECK_FALSE(s.parse(text, err));
        CHECK(err.find(why) == 0);
    }
}

TEST_CASE("a script without its device fails with a clear reason", "[input][script]")
{
    InputScript s;
    std::string err;
    REQUIRE(s.parse("move 1 1", err));
    CHECK_FALSE(s.run(nullptr, nullptr, {}, err));
    CHECK(err == "line 1 (move): no mouse (use --mouse)");
    REQUIRE(s.parse("type x", err));
    CHECK_FALSE(s.run(nullptr, nullptr, {}, err));
    CHECK(err == "line 1 (type): no keyboard (use --keyboard)");
    MouseVsp offline;
    REQUIRE(s.parse("click", err));
    CHECK_FALSE(s.run(&offline, nullptr, {}, err));
    CHECK(err.find("not ready") != std::string::npos);
}

TEST_CASE("every printable US character has a key that the plugin maps", "[input][script]")
{
    for (int c = 0x20; c < 0x7F; c++) {
        INFO(static_cast<char>(c));
        ScanKey k;
        bool shift = false;
        REQUIRE(us_char_to_key(static_cast<char>(c), k, shift));
        CHECK(satori::inputvsc::set1_to_usage(k.make, k.e0) != 0);
        CHECK(shift == (std::isupper(c) || std::string("~!@#$%^&*()_+{}|:\"<>?").find(static_cast<char>(c)) != std::string::npos));
    }
    ScanKey k;
    bool shift;
    CHECK_FALSE(us_char_to_key('\x01', k, shift));
    REQUIRE(key_by_name("kpenter", k));
    CHECK(k.make == 0x1C);
    CHECK(k.e0);
    REQUIRE(key_by_name("Q", k));
    CHECK(k.make == 0x10);
    CHECK_FALSE(key_by_name("hyper", k));
}
