package io.xbow.packet.parse;

/**
 * The outcome of validating a frame's header chain: {@link #OK}, or the first rule the frame broke.
 */
public enum ParseResult
{
    OK("ok"),
    TRUNCATED_ETHERNET("frame shorter than an Ethernet header"),
    TRUNCATED_VLAN_TAG("frame ends inside a VLAN tag"),
    RESERVED_VLAN_ID("VLAN id 4095 is reserved"),
    TOO_MANY_VLAN_TAGS("more than two VLAN tags"),
    UNDEFINED_ETHERTYPE("EtherType 1501-1535 is undefined"),
    BAD_LENGTH_FIELD("802.3 length field beyond the frame"),
    TRUNCATED_ARP("frame ends inside the ARP packet"),
    TRUNCATED_IPV4("frame ends inside the IPv4 header"),
    BAD_IP_VERSION("IP version does not match the EtherType"),
    BAD_IPV4_HEADER_LENGTH("IPv4 header length below 20 bytes"),
    BAD_IPV4_TOTAL_LENGTH("IPv4 total length shorter than the header or beyond the frame"),
    TRUNCATED_IPV6("frame ends inside the IPv6 header"),
    BAD_IPV6_PAYLOAD_LENGTH("IPv6 payload length beyond the frame"),
    TRUNCATED_TCP("packet ends inside the TCP header"),
    BAD_TCP_HEADER_LENGTH("TCP data offset below 5 words or beyond the packet"),
    TRUNCATED_UDP("packet ends inside the UDP header"),
    BAD_UDP_LENGTH("UDP length below 8 or beyond the packet"),
    TRUNCATED_ICMP("packet ends inside the ICMP header");

    private final String description;

    ParseResult(final String description)
    {
        this.description = description;
    }

    /**
     * @return what was wrong, in words for a log line or an error message.
     */
    public String description()
    {
        return description;
    }
}
