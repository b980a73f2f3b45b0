// SPDX-License-Identifier: MIT
// The body of satori_plugin_entry: check the host table, fill the plugin descriptor.
#ifndef SATORI_SDK_DETAIL_ENTRY_HPP
#define SATORI_SDK_DETAIL_ENTRY_HPP

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <span>
#include <type_traits>

#include <satori/errno.h>
#include <satori/guid.h>
#include <satori/host.h>
#include <satori/plugin.h>
#include <satori/version.h>
#include <satori/sdk/detail/table.hpp>
#include <satori/sdk/detail/lifecycle.hpp>
#include <satori/sdk/device.hpp>
#include <satori/sdk/guid.hpp>

namespace satori::detail {

static_assert(SATORI_ABI_VERSION_MAJOR == 1, "this SDK speaks Satori ABI major 1 only");

/// The class GUIDs of SATORI_PLUGIN as a static array of `satori_guid`.
template <class... Guids> constexpr auto class_list(const Guids &...guids) noexcept
{
    static_assert(sizeof...(Guids) >= 1, "SATORI_PLUGIN needs at least one device class GUID");
    static_assert((std::is_convertible_v<const Guids &, Guid> && ...),
                  "device classes must be satori::Guid values (e.g. satori::guids::kHeartbeat)");
    return std::array<satori_guid, sizeof...(Guids)>{Guid(guids).to_c()...};
}

/// A plugin may describe itself with `static constexpr const char *kDescription = "...";`.
template <class D> constexpr const char *description_of() noexcept
{
    if constexpr (requires { D::kDescription; })
        return D::kDescription;
    else
        return nullptr;
}

template <class D>
int32_t plugin_entry(PluginState &state, const satori_host *host, satori_plugin *out,
                     const char *name, const char *version,
                     std::span<const satori_guid> classes) noexcept
{
    static_assert(std::is_base_of_v<Device, D>, "the device class must derive from satori::Device");
    static_assert(!std::is_abstract_v<D>, "the device class must not be abstract");

    if (!host || host->struct_size < offsetof(satori_host, abi_version) + sizeof(uint32_t)) {
        std::fprintf(stderr, "satori plugin %s: no usable host table; not loading\n", name);
        return -SATORI_EINVAL;
    }
    // Only struct_size and abi_version are known to sit where this SDK expects them in a
    // table of another major, so the refusal goes to stderr, not through host->log.
    if (SATORI_ABI_MAJOR(host->abi_version) != SATORI_ABI_VERSION_MAJOR) {
        std::fprintf(stderr,
                     "satori plugin %s %s: built for Satori ABI %u.%u, but the shim provides "
                     "ABI %u.%u; rebuild the plugin with an SDK of ABI major %u\n",
                     name, version, static_cast<unsigned>(SATORI_ABI_VERSION_MAJOR),
                     static_cast<unsigned>(SATORI_ABI_VERSION_MINOR),
                     static_cast<unsigned>(SATORI_ABI_MAJOR(host->abi_version)),
                     static_cast<unsigned>(SATORI_ABI_MINOR(host->abi_version)),
                     static_cast<unsigned>(SATORI_ABI_MAJOR(host->abi_version)));
        return -SATORI_EPROTONOSUPPORT;
    }
    const Host proxy(host);
    if (!SATORI_SDK_HAS(satori_host, host, bus) || !proxy.bus()) {
        proxy.log().error("plugin ", name, ": the host table has no bus operations");
        return -SATORI_EINVAL;
    }
    if (!out || out->struct_size < offsetof(satori_plugin, abi_version) + sizeof(uint32_t)) {
        proxy.log().error("plugin ", name, ": the plugin descriptor is missing or too small");
        return -SATORI_EINVAL;
    }
    state.host = proxy;

    // Write only the fields that fit in the shim's descriptor, then report what was written.
#define SATORI_SDK_SET_(field, value)                                                              \
    do {                                                                                           \
        if (SATORI_SDK_HAS(satori_plugin, out, field)) out->field = (value);                       \
    } while (0)
    SATORI_SDK_SET_(abi_version, SATORI_ABI_VERSION_CURRENT);
    SATORI_SDK_SET_(name, name);
    SATORI_SDK_SET_(version, version);
    SATORI_SDK_SET_(description, description_of<D>());
    SATORI_SDK_SET_(class_count, static_cast<uint32_t>(classes.size()));
    SATORI_SDK_SET_(reserved0, 0u);
    SATORI_SDK_SET_(classes, classes.data());
    SATORI_SDK_SET_(cookie, &state);
    SATORI_SDK_SET_(probe, &probe_trampoline<D>);
    SATORI_SDK_SET_(remove, &remove_trampoline);
    SATORI_SDK_SET_(on_subchannel, &subchannel_trampoline);
    SATORI_SDK_SET_(suspend, &suspend_trampoline);
    SATORI_SDK_SET_(resume, &resume_trampoline);
    SATORI_SDK_SET_(unload, &unload_trampoline);
#undef SATORI_SDK_SET_
    out->struct_size = std::min<uint32_t>(out->struct_size, sizeof(satori_plugin));
    return 0;
}

} // namespace satori::detail

#endif // SATORI_SDK_DETAIL_ENTRY_HPP
