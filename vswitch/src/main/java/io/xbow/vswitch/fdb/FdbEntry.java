package io.xbow.vswitch.fdb;

import io.xbow.packet.address.MacAddress;

/**
 * A snapshot of one forwarding table entry, for display and tests.
 *
 * @param vid      the VLAN.
 * @param mac      the MAC address.
 * @param port     index of the switch port the address is reached by.
 * @param isStatic true for a configured entry, which never ages or moves.
 * @param ageMs    milliseconds since the address was last seen (0 for static entries).
 */
public record FdbEntry(int vid, long mac, int port, boolean isStatic, long ageMs)
{
    @Override
    public String toString()
    {
        return "vlan " + vid + " " + MacAddress.format(mac) + " port " + port +
            (isStatic ? " static" : " age " + ageMs + "ms");
    }
}
