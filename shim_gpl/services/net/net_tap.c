/* SPDX-License-Identifier: GPL-2.0-only */
/* net_tap.c — TAP interfaces: create (/dev/net/tun), MAC, MTU, up, carrier. */
#include "net_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_arp.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

static int32_t errno_to_satori(int e)
{
    switch (e) {
    case EPERM:
    case EACCES:
        return -SATORI_EPERM;
    case EBUSY:
        return -SATORI_EBUSY;
    case ENOMEM:
        return -SATORI_ENOMEM;
    case EINVAL:
        return -SATORI_EINVAL;
    default:
        return -SATORI_EIO;
    }
}

static int if_ioctl(unsigned long req, struct ifreq *ifr)
{
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    int r;

    if (s < 0) return -1;
    r = ioctl(s, req, ifr);
    if (r < 0) {
        int e = errno;

        close(s);
        errno = e;
        return -1;
    }
    close(s);
    return 0;
}

int net_tap_open(struct satori_shim *shim, const char *name, char *actual, const uint8_t mac[6],
                 uint32_t mtu, int32_t *err)
{
    struct ifreq ifr;
    int fd, off = 0;

    fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        *err = errno_to_satori(errno);
        shim_log(shim, SATORI_LOG_ERROR,
                 "net: cannot open /dev/net/tun (%s): load the tun module (modprobe tun) and "
                 "run satori as root or with CAP_NET_ADMIN",
                 strerror(errno));
        return -1;
    }
    memset(&ifr, 0, sizeof(ifr));
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
    snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
        *err = errno_to_satori(errno);
        shim_log(shim, SATORI_LOG_ERROR, "net: cannot create TAP interface %s (%s)%s", name,
                 strerror(errno),
                 errno == EPERM   ? ": run satori as root or give it CAP_NET_ADMIN "
                                    "(setcap cap_net_admin+ep satori)"
                 : errno == EBUSY ? ": an interface of that name exists already"
                                  : "");
        close(fd);
        return -1;
    }
    snprintf(actual, IFNAMSIZ, "%s", ifr.ifr_name);
    (void)ioctl(fd, TUNSETOFFLOAD, off); /* no offloads: whole frames, plain checksums */

    memset(&ifr, 0, sizeof(ifr));
    snprintf(ifr.ifr_name, IFNAMSIZ, "%s", actual);
    ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
    memcpy(ifr.ifr_hwaddr.sa_data, mac, 6);
    if (if_ioctl(SIOCSIFHWADDR, &ifr) < 0)
        shim_log(shim, SATORI_LOG_WARN, "net: %s: cannot set the MAC address (%s)", actual,
                 strerror(errno));
    memset(&ifr, 0, sizeof(ifr));
    snprintf(ifr.ifr_name, IFNAMSIZ, "%s", actual);
    ifr.ifr_mtu = (int)mtu;
    if (if_ioctl(SIOCSIFMTU, &ifr) < 0)
        shim_log(shim, SATORI_LOG_WARN, "net: %s: cannot set MTU %u (%s)", actual, mtu,
                 strerror(errno));
    /* TAP has no back-pressure: a longer queue absorbs bursts while the plugin's queue is
     * stopped instead of dropping them. */
    memset(&ifr, 0, sizeof(ifr));
    snprintf(ifr.ifr_name, IFNAMSIZ, "%s", actual);
    ifr.ifr_qlen = NET_TAP_TXQLEN;
    (void)if_ioctl(SIOCSIFTXQLEN, &ifr);
    memset(&ifr, 0, sizeof(ifr));
    snprintf(ifr.ifr_name, IFNAMSIZ, "%s", actual);
    if (if_ioctl(SIOCGIFFLAGS, &ifr) == 0) {
        ifr.ifr_flags |= IFF_UP;
        (void)if_ioctl(SIOCSIFFLAGS, &ifr);
    }
    *err = 0;
    return fd;
}

int32_t net_tap_set_carrier(int fd, bool up)
{
    int v = up ? 1 : 0;

    return ioctl(fd, TUNSETCARRIER, &v) < 0 ? errno_to_satori(errno) : 0;
}
