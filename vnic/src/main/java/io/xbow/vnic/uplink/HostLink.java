package io.xbow.vnic.uplink;

/**
 * A host Ethernet interface that can be a physical link, as {@code dladm show-phys} describes it.
 *
 * @param name      the interface's name, which is the link's name.
 * @param mac       its MAC address (the physical link's primary MAC).
 * @param mtu       its MTU.
 * @param state     {@code up}, {@code down} or {@code unknown}.
 * @param speedMbps its speed, 0 if unknown.
 * @param duplex    {@code full}, {@code half} or {@code unknown}.
 * @param device    its driver instance ({@code e1000e0}, {@code veth1}).
 */
public record HostLink(String name, long mac, int mtu, String state, long speedMbps, String duplex, String device)
{
}
