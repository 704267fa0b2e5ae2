package io.xbow.packet;

/**
 * Why a frame left the datapath without being delivered. Every stage that frees a frame it could not deliver
 * counts it under one of these reasons; the ordinal indexes counter arrays, so append new reasons at the end.
 */
public enum DropReason
{
    /** The frame failed header validation: truncated, reserved VLAN id, bad IPv4 header and so on. */
    MALFORMED("malformed"),
    /** The source MAC address is multicast, broadcast or all zeros, so it cannot be a sender. */
    INVALID_SOURCE("invalid-source"),
    /** The frame's VLAN is not allowed on the port it entered or was to leave by. */
    VLAN_MISMATCH("vlan-mismatch"),
    /** The switch had nowhere to send it: the destination is the ingress port, or the VLAN has no other port. */
    FILTERED("filtered"),
    /** No free frame in the pool, so a copy for flooding could not be made. */
    NO_BUFFER("no-buffer"),
    /** The output port's queue was full. */
    QUEUE_FULL("queue-full"),
    /** Link protection: the source MAC (or ARP sender MAC) is not the link's (dladm mac-nospoof; dlstat macspoofed). */
    MAC_SPOOFED("macspoofed"),
    /** Link protection: the sender IPv4 address is not in allowed-ips (ip-nospoof; dlstat ipspoofed). */
    IP_SPOOFED("ipspoofed"),
    /** Link protection: a DHCP client's chaddr or client id is not the link's (dhcp-nospoof; dlstat dhcpspoofed). */
    DHCP_SPOOFED("dhcpspoofed"),
    /** Link protection: an EtherType other than IPv4, IPv6 and ARP (restricted; dlstat restricted). */
    RESTRICTED("restricted"),
    /** Bandwidth limit: the frame exceeded maxbw and the shaping queue was full. */
    OVER_RATE("over-rate"),
    /** The frame is longer than the link's MTU allows. */
    OVERSIZE("oversize"),
    /** The link has nothing behind it to take the frame: a VNIC with no guest device plugged in. */
    LINK_DOWN("link-down"),
    /**
     * An IEEE 802.1D reserved group address (01:80:c2:00:00:00 to 0f: STP, pause, LACP, 802.1X, LLDP): link-local
     * by definition, a bridge does not forward it.
     */
    RESERVED_MULTICAST("reserved-multicast"),
    /** The port's device threw: it is out of service, and what it was handing over or being handed is freed. */
    PORT_FAILED("port-failed"),
    /**
     * A frame for a port that is not a member of the frame's VLAN (a static entry or a policy that changed under
     * it): lost on the way out, booked on that port as an egress drop ({@link #VLAN_MISMATCH} is the way in).
     */
    VLAN_NOT_MEMBER("vlan-not-member"),
    /** The router: an IPv4 header whose checksum is wrong (RFC 1812: dropped silently). */
    BAD_CHECKSUM("bad-checksum"),
    /** The router: a datagram whose TTL would reach 0 (an ICMP time exceeded goes back, within its rate). */
    TTL_EXCEEDED("ttl-exceeded"),
    /** The router: no route to the destination (an ICMP net unreachable goes back, within its rate). */
    NO_ROUTE("no-route"),
    /** The router: its next hop never answered ARP, or too many frames waited for it. */
    ARP_UNRESOLVED("arp-unresolved"),
    /** The router: larger than the next link's MTU with DF set (an ICMP fragmentation needed goes back). */
    NEEDS_FRAGMENTATION("needs-fragmentation"),
    /** The router: a datagram to forward while IPv4 forwarding is off (routeadm -d ipv4-forwarding). */
    FORWARDING_DISABLED("forwarding-disabled"),
    /**
     * The router: to a connected subnet's broadcast or network address (a directed broadcast, RFC 1812 5.3.5.2:
     * not forwarded, as Linux and illumos do by default).
     */
    DIRECTED_BROADCAST("directed-broadcast"),
    /** The router: for one of its addresses, but no service there (after ICMP port or protocol unreachable). */
    NOT_FOR_A_SERVICE("no-service"),
    /** NAT: no room for a new connection (the table, or its source's share, is full; or no outside port is left). */
    NAT_REFUSED("nat-refused"),
    /** NAT: a fragment, or a header too short for its ports: never forwarded untranslated. */
    NAT_UNTRANSLATABLE("nat-untranslatable"),
    /** NAT: for an address a NAT rule publishes (bimap, rdr, a map's), to nothing there (no connection, no port). */
    NAT_UNMAPPED("nat-unmapped"),
    /** NAT: a TCP segment outside the window its connection's ends allowed (a blind reset, a stale or forged one). */
    NAT_OUT_OF_WINDOW("nat-out-of-window");

    private static final DropReason[] VALUES = values();

    private final String label;

    DropReason(final String label)
    {
        this.label = label;
    }

    /**
     * @return the name used in command output and metrics, in lower case with dashes.
     */
    public String label()
    {
        return label;
    }

    /**
     * @return the number of reasons, the length of a per-reason counter array.
     */
    public static int count()
    {
        return VALUES.length;
    }

    /**
     * @param ordinal of a reason.
     * @return the reason with that ordinal, without allocating the values array.
     */
    public static DropReason of(final int ordinal)
    {
        return VALUES[ordinal];
    }
}
