package io.xbow.packet.codec;

/**
 * IP protocol numbers (IANA) xbow decodes.
 */
public final class IpProtocol
{
    public static final int ICMP = 1;
    public static final int TCP = 6;
    public static final int UDP = 17;
    public static final int ICMPV6 = 58;

    private IpProtocol()
    {
    }
}
