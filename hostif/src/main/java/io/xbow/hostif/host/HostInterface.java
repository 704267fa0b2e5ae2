package io.xbow.hostif.host;

/**
 * A host Ethernet interface as {@code dladm show-phys} describes it.
 *
 * @param name      the interface's name (the link's name).
 * @param index     its ifindex.
 * @param mac       its MAC address.
 * @param mtu       its MTU.
 * @param state     {@code up}, {@code down} or {@code unknown}.
 * @param speedMbps its speed in Mb/s, 0 when the driver does not say.
 * @param duplex    {@code full}, {@code half} or {@code unknown}.
 * @param device    its driver and instance ({@code e1000e0}, {@code veth3}, {@code tun0}), as illumos names
 *                  devices.
 */
public record HostInterface(String name, int index, long mac, int mtu, String state, long speedMbps, String duplex,
    String device)
{
}
