package io.xbow.packet.codec;

import org.agrona.concurrent.UnsafeBuffer;

/**
 * Real frames captured with {@code tcpdump -xx -vv} between two network namespaces over a veth pair with checksum
 * offload off (so every checksum on the wire is real; tcpdump reported each as correct), plus tagged frames
 * written by hand and checked by decoding them with tcpdump. The hex is pasted as tcpdump printed it.
 */
public final class GoldenFrames
{
    /** 00:16:3e:01:02:03 > ff:ff:ff:ff:ff:ff, ARP, Request who-has 10.9.0.2 tell 10.9.0.1, length 28 */
    public static final String ARP_REQUEST =
        "0x0000:  ffff ffff ffff 0016 3e01 0203 0806 0001\n" +
        "0x0010:  0800 0604 0001 0016 3e01 0203 0a09 0001\n" +
        "0x0020:  0000 0000 0000 0a09 0002";

    /** 00:16:3e:0a:0b:0c > 00:16:3e:01:02:03, ARP, Reply 10.9.0.2 is-at 00:16:3e:0a:0b:0c, length 28 */
    public static final String ARP_REPLY =
        "0x0000:  0016 3e01 0203 0016 3e0a 0b0c 0806 0001\n" +
        "0x0010:  0800 0604 0002 0016 3e0a 0b0c 0a09 0002\n" +
        "0x0020:  0016 3e01 0203 0a09 0001";

    /**
     * (tos 0x0, ttl 64, id 30823, offset 0, flags [DF], proto ICMP (1), length 52)
     * 10.9.0.1 > 10.9.0.2: ICMP echo request, id 2816, seq 1, length 32
     */
    public static final String ICMP_ECHO_REQUEST =
        "0x0000:  0016 3e0a 0b0c 0016 3e01 0203 0800 4500\n" +
        "0x0010:  0034 7867 4000 4001 ae4d 0a09 0001 0a09\n" +
        "0x0020:  0002 0800 0a39 0b00 0001 ff4c 026b 0000\n" +
        "0x0030:  0000 5688 0500 0000 0000 6161 6161 6161\n" +
        "0x0040:  6161";

    /**
     * (tos 0x0, ttl 64, id 62199, offset 0, flags [DF], proto ICMP (1), length 76, options (NOP,RR 10.9.0.1, ...))
     * 10.9.0.1 > 10.9.0.2: ICMP echo request, id 2895, seq 1, length 16
     */
    public static final String ICMP_ECHO_WITH_RECORD_ROUTE =
        "0x0000:  0016 3e0a 0b0c 0016 3e01 0203 0800 4f00\n" +
        "0x0010:  004c f2f7 4000 4001 f78b 0a09 0001 0a09\n" +
        "0x0020:  0002 0107 2708 0a09 0001 0000 0000 0000\n" +
        "0x0030:  0000 0000 0000 0000 0000 0000 0000 0000\n" +
        "0x0040:  0000 0000 0000 0000 0000 0800 e09f 0b4f\n" +
        "0x0050:  0001 0001 0203 0405 0607";

    /**
     * (tos 0x0, ttl 64, id 62254, offset 0, flags [DF], proto UDP (17), length 38)
     * 10.9.0.1.40000 > 10.9.0.2.53: [udp sum ok], payload "hello xbow"
     */
    public static final String UDP_DATAGRAM =
        "0x0000:  0016 3e0a 0b0c 0016 3e01 0203 0800 4500\n" +
        "0x0010:  0026 f32e 4000 4011 3384 0a09 0001 0a09\n" +
        "0x0020:  0002 9c40 0035 0012 2374 6865 6c6c 6f20\n" +
        "0x0030:  7862 6f77";

    /**
     * (tos 0x0, ttl 64, id 20564, offset 0, flags [DF], proto TCP (6), length 60)
     * 10.9.0.1.40001 > 10.9.0.2.80: Flags [S], cksum 0x9443 (correct), seq 3096946404, win 64240,
     * options [mss 1460,sackOK,TS val 100377259 ecr 0,nop,wscale 10], length 0
     */
    public static final String TCP_SYN =
        "0x0000:  0016 3e0a 0b0c 0016 3e01 0203 0800 4500\n" +
        "0x0010:  003c 5054 4000 4006 d653 0a09 0001 0a09\n" +
        "0x0020:  0002 9c41 0050 b897 a6e4 0000 0000 a002\n" +
        "0x0030:  faf0 9443 0000 0204 05b4 0402 080a 05fb\n" +
        "0x0040:  a2ab 0000 0000 0103 030a";

    /**
     * 10.9.0.2.80 > 10.9.0.1.40001: Flags [R.], cksum 0x9fad (correct), seq 0, ack 3096946405, win 0, length 0
     */
    public static final String TCP_RST_ACK =
        "0x0000:  0016 3e01 0203 0016 3e0a 0b0c 0800 4500\n" +
        "0x0010:  0028 0000 4000 4006 26bc 0a09 0002 0a09\n" +
        "0x0020:  0001 0050 9c41 0000 0000 b897 a6e5 5014\n" +
        "0x0030:  0000 9fad 0000";

    /** ethertype 802.1Q (0x8100), length 46: vlan 100, p 5, ethertype ARP (0x0806), Request who-has 10.9.0.2 */
    public static final String ARP_REQUEST_VLAN_100 =
        "0x0000:  ffff ffff ffff 0016 3e01 0203 8100 a064\n" +
        "0x0010:  0806 0001 0800 0604 0001 0016 3e01 0203\n" +
        "0x0020:  0a09 0001 0000 0000 0000 0a09 0002";

    /**
     * ethertype 802.1Q-QinQ (0x88a8), length 50: vlan 200, p 0, ethertype 802.1Q (0x8100), vlan 100, p 0,
     * ethertype ARP (0x0806), Request who-has 10.9.0.2 tell 10.9.0.1
     */
    public static final String ARP_REQUEST_QINQ =
        "0x0000:  ffff ffff ffff 0016 3e01 0203 88a8 00c8\n" +
        "0x0010:  8100 0064 0806 0001 0800 0604 0001 0016\n" +
        "0x0020:  3e01 0203 0a09 0001 0000 0000 0000 0a09\n" +
        "0x0030:  0002";

    private GoldenFrames()
    {
    }

    /**
     * @param dump tcpdump {@code -xx} output: an offset column then groups of hex digits.
     * @return the frame's bytes.
     */
    public static byte[] bytes(final String dump)
    {
        final StringBuilder hex = new StringBuilder();
        for (final String line : dump.split("\n"))
        {
            final String data = line.substring(line.indexOf(':') + 1);
            hex.append(data.replaceAll("\\s", ""));
        }
        final byte[] bytes = new byte[hex.length() / 2];
        for (int i = 0; i < bytes.length; i++)
        {
            bytes[i] = (byte)Integer.parseInt(hex.substring(2 * i, 2 * i + 2), 16);
        }
        return bytes;
    }

    /**
     * @param dump tcpdump {@code -xx} output.
     * @return a buffer holding exactly the frame.
     */
    public static UnsafeBuffer buffer(final String dump)
    {
        return new UnsafeBuffer(bytes(dump));
    }
}
