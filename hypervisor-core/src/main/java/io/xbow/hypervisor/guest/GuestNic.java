package io.xbow.hypervisor.guest;

import io.xbow.netback.frontend.Netfront;

/**
 * A vif as its guest sees it.
 *
 * @param vifName  the vif's name, for messages.
 * @param devid    its device id within the domain (the guest names the interface eth{devid}).
 * @param netfront the guest's side of its rings.
 * @param mac      its MAC.
 * @param mtu      its MTU.
 * @param ip       the address from the vif's {@code ip=}, with an optional {@code /prefix}; null for none.
 * @param gateway  the default gateway from the vif's {@code gateway=}; null for none.
 */
public record GuestNic(String vifName, int devid, Netfront netfront, long mac, int mtu, String ip, String gateway)
{
}
