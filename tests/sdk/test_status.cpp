// SPDX-License-Identifier: MIT
// tests/sdk/test_status.cpp — satori::Status and satori::Result<T>.
#include <satori/sdk/status.hpp>

#include <memory>
#include <sstream>
#include <string>

#include <catch2/catch.hpp>

using satori::Result;
using satori::Status;

TEST_CASE("Status is 0 or a negative SATORI_E value", "[sdk][status]")
{
    CHECK(Status().is_ok());
    CHECK(Status::ok().code() == 0);
    CHECK(static_cast<bool>(Status::ok()));

    const Status err(-SATORI_ENODEV);
    CHECK_FALSE(err.is_ok());
    CHECK_FALSE(static_cast<bool>(err));
    CHECK(err.code() == -SATORI_ENODEV);
    CHECK(err.to_c() == -SATORI_ENODEV);
    CHECK(err == Status(-SATORI_ENODEV));
    CHECK(err != Status(-SATORI_EIO));

    SECTION("a positive errno is taken as its negative")
    {
        CHECK(Status(SATORI_EINVAL).code() == -SATORI_EINVAL);
    }
}

TEST_CASE("Status messages come from the SDK's own table", "[sdk][status]")
{
    CHECK(std::string(Status().message()) == "success");
    CHECK(std::string(Status(-SATORI_EBADMSG).message()) == "malformed message");
    CHECK(std::string(Status(-SATORI_EPROTONOSUPPORT).message()) ==
          "protocol or ABI version not supported");
    CHECK(std::string(Status(-9999).message()) == "unknown error");
    for (const auto &entry : satori::detail::kErrnoTexts)
        CHECK(std::string(Status(-entry.code).message()) == entry.text);

    std::ostringstream os;
    os << Status(-SATORI_EINVAL);
    CHECK(os.str() == "invalid argument (-22)");
}

TEST_CASE("Status is usable in constant expressions", "[sdk][status]")
{
    static_assert(Status(-SATORI_EIO).code() == -SATORI_EIO);
    static_assert(!Status(-SATORI_EIO));
    static_assert(Status::ok().is_ok());
}

TEST_CASE("Result holds a value or an error", "[sdk][status][result]")
{
    Result<int> value = 42;
    REQUIRE(value.has_value());
    CHECK(static_cast<bool>(value));
    CHECK(*value == 42);
    CHECK(value.error().is_ok());
    CHECK(value.value_or(7) == 42);

    Result<int> error = Status(-SATORI_ENOMEM);
    CHECK_FALSE(error.has_value());
    CHECK(error.error().code() == -SATORI_ENOMEM);
    CHECK(error.value_or(7) == 7);

    SECTION("an ok Status carries no value, so it becomes -SATORI_EINVAL")
    {
        Result<int> odd = Status::ok();
        CHECK_FALSE(odd.has_value());
        CHECK(odd.error().code() == -SATORI_EINVAL);
    }
    SECTION("reading the value of an error throws, for the trampolines to catch")
    {
        CHECK_THROWS_AS(*error, satori::BadResultAccess);
        try {
            (void)*error;
        } catch (const satori::BadResultAccess &e) {
            CHECK(e.error().code() == -SATORI_ENOMEM);
        }
    }
}

TEST_CASE("Result works with move-only values and member access", "[sdk][status][result]")
{
    struct Named {
        std::string name;
    };
    Result<Named> named = Named{"disk"};
    CHECK(named->name == "disk");

    Result<std::unique_ptr<int>> owner = std::make_unique<int>(5);
    REQUIRE(owner);
    std::unique_ptr<int> taken = *std::move(owner);
    CHECK(*taken == 5);

    auto fallback = Result<std::unique_ptr<int>>(Status(-SATORI_EIO)).value_or(nullptr);
    CHECK(fallback == nullptr);
}
