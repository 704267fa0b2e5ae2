package io.xbow.control.capture;

import io.xbow.packet.build.FrameBuilder;
import io.xbow.packet.codec.TcpFlyweight;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A corpus of frames for capture tests: ARP, IPv4 TCP/UDP/ICMP/GRE (options and fragments too), IPv6, 802.1Q and
 * QinQ tags, truncated frames, and seeded random mutations of them.
 */
public final class CaptureFrames
{
    public static final long MAC_1 = 0x00163e000001L;
    public static final long MAC_2 = 0x00163e000002L;
    public static final long BROADCAST = 0xFFFFFFFFFFFFL;
    public static final int IP_1 = 0x0A000001;
    public static final int IP_2 = 0x0A000002;
    public static final int IP_FAR = 0x0A000105;

    private CaptureFrames()
    {
    }

    /**
     * @return named frames, each well formed except where the name says otherwise.
     */
    public static Map<String, byte[]> named()
    {
        final Map<String, byte[]> frames = new LinkedHashMap<>();
        frames.put("arp request", new FrameBuilder().ethernet(BROADCAST, MAC_1).arp(1, MAC_1, IP_1, 0, IP_2).toBytes());
        frames.put("arp reply", new FrameBuilder().ethernet(MAC_1, MAC_2).arp(2, MAC_2, IP_2, MAC_1, IP_1).toBytes());
        frames.put("tcp syn 80", tcp(MAC_2, MAC_1, IP_1, IP_2, 40000, 80, TcpFlyweight.SYN, 0).toBytes());
        frames.put("tcp ack 80 reply", tcp(MAC_1, MAC_2, IP_2, IP_1, 80, 40000, TcpFlyweight.ACK, 200).toBytes());
        frames.put("tcp 80 other host", tcp(MAC_2, MAC_1, IP_1, IP_FAR, 40000, 80, TcpFlyweight.SYN, 0).toBytes());
        frames.put("tcp 443", tcp(MAC_2, MAC_1, IP_1, IP_2, 40001, 443, TcpFlyweight.ACK, 60).toBytes());
        for (final int port : new int[]{ 999, 1000, 1500, 2000, 2001 })
        {
            frames.put("udp " + port, new FrameBuilder().ethernet(MAC_2, MAC_1).ipv4(IP_1, IP_FAR)
                .udp(5353, port, 18).toBytes());
        }
        frames.put("udp 53", new FrameBuilder().ethernet(MAC_2, MAC_1).ipv4(IP_1, IP_2).udp(40000, 53, 30).toBytes());
        frames.put("udp broadcast", new FrameBuilder().ethernet(BROADCAST, MAC_2).ipv4(IP_2, -1).udp(68, 67, 300)
            .toBytes());
        frames.put("icmp echo", new FrameBuilder().ethernet(MAC_2, MAC_1).ipv4(IP_1, IP_2).ttl(63)
            .icmpEcho(8, 7, 1, 56).toBytes());
        frames.put("icmp echo reply", new FrameBuilder().ethernet(MAC_1, MAC_2).ipv4(IP_2, IP_1).ttl(64)
            .icmpEcho(0, 7, 1, 56).toBytes());
        frames.put("gre", protocol(new FrameBuilder().ethernet(MAC_2, MAC_1).ipv4(IP_1, IP_2).udp(1, 2, 40)
            .toBytes(), 14, 47));
        frames.put("tcp 80 ip options", ipOptions(tcp(MAC_2, MAC_1, IP_1, IP_2, 40000, 80, TcpFlyweight.SYN, 0)
            .toBytes(), 14, 8));
        frames.put("udp 1500 ip options 40", ipOptions(new FrameBuilder().ethernet(MAC_2, MAC_1).ipv4(IP_1, IP_2)
            .udp(7, 1500, 8).toBytes(), 14, 40));
        frames.put("tcp 80 first fragment", fragment(tcp(MAC_2, MAC_1, IP_1, IP_2, 40000, 80, 0x18, 400).toBytes(),
            14, true, 0));
        frames.put("tcp 80 later fragment", fragment(tcp(MAC_2, MAC_1, IP_1, IP_2, 40000, 80, 0x18, 400).toBytes(),
            14, false, 64));
        frames.put("ipv6 tcp 80", ipv6(MAC_2, MAC_1, 6, 40000, 80, 0));
        frames.put("ipv6 udp 1500", ipv6(MAC_2, MAC_1, 17, 40000, 1500, 100));
        frames.put("vlan 100 udp", new FrameBuilder().ethernet(MAC_2, MAC_1).vlan(100).ipv4(IP_1, IP_2)
            .udp(4000, 1200, 20).toBytes());
        frames.put("vlan 100 tcp 80", tcp(MAC_2, MAC_1, IP_1, IP_2, 40000, 80, TcpFlyweight.SYN, 0).vlan(100)
            .toBytes());
        frames.put("vlan 200 arp", new FrameBuilder().ethernet(BROADCAST, MAC_1).vlan(200)
            .arp(1, MAC_1, IP_1, 0, IP_2).toBytes());
        frames.put("vlan 100 priority 5", new FrameBuilder().ethernet(MAC_2, MAC_1).tag(0x8100, 5 << 13 | 100)
            .ipv4(IP_1, IP_2).udp(4000, 53, 20).toBytes());
        frames.put("qinq 88a8 10 / 100", new FrameBuilder().ethernet(MAC_2, MAC_1).tag(0x88A8, 10).vlan(100)
            .ipv4(IP_1, IP_2).udp(4000, 53, 20).toBytes());
        frames.put("qinq 8100 100 / 200 tcp 80", tcp(MAC_2, MAC_1, IP_1, IP_2, 1, 80, TcpFlyweight.SYN, 0)
            .vlan(100).vlan(200).toBytes());
        frames.put("raw lldp", new FrameBuilder().ethernet(0x0180C200000EL, MAC_1).raw(0x88CC, 46).toBytes());
        frames.put("big udp", new FrameBuilder().ethernet(MAC_2, MAC_1).ipv4(IP_1, IP_2).udp(9, 2000, 1400)
            .toBytes());
        final List<String> whole = new ArrayList<>(frames.keySet());
        for (final String name : whole)
        {
            final byte[] frame = frames.get(name);
            for (final int cut : new int[]{ 13, 20, 34, 40, 50 })
            {
                if (cut < frame.length)
                {
                    frames.put(name + " cut to " + cut, Arrays.copyOf(frame, cut));
                }
            }
        }
        return frames;
    }

    /**
     * @param seed  of the random mutations.
     * @param count frames to make.
     * @return frames of the corpus with 1 to 4 bytes changed, mostly in the headers, and some cut short.
     */
    public static List<byte[]> mutations(final long seed, final int count)
    {
        final List<byte[]> bases = new ArrayList<>(named().values());
        final Random random = new Random(seed);
        final List<byte[]> frames = new ArrayList<>(count);
        for (int i = 0; i < count; i++)
        {
            final byte[] base = bases.get(random.nextInt(bases.size()));
            byte[] frame = base.clone();
            final int changes = 1 + random.nextInt(4);
            for (int c = 0; c < changes && frame.length > 0; c++)
            {
                final int at = random.nextInt(Math.min(frame.length, random.nextBoolean() ? 64 : frame.length));
                frame[at] = random.nextInt(4) == 0 ? interesting(random) : (byte)random.nextInt(256);
            }
            if (random.nextInt(8) == 0 && frame.length > 1)
            {
                frame = Arrays.copyOf(frame, 1 + random.nextInt(frame.length - 1));
            }
            frames.add(frame);
        }
        return frames;
    }

    /**
     * @param untagged a frame of at least 12 bytes.
     * @param tci      tag control information.
     * @return the frame with {@code 81 00 tci} inserted after the MAC addresses.
     */
    public static byte[] insertTag(final byte[] untagged, final int tci)
    {
        final byte[] tagged = new byte[untagged.length + 4];
        System.arraycopy(untagged, 0, tagged, 0, 12);
        tagged[12] = (byte)0x81;
        tagged[13] = 0;
        tagged[14] = (byte)(tci >>> 8);
        tagged[15] = (byte)tci;
        System.arraycopy(untagged, 12, tagged, 16, untagged.length - 12);
        return tagged;
    }

    private static byte interesting(final Random random)
    {
        final int[] values = { 0x00, 0xFF, 0x81, 0x08, 0x06, 0x86, 0xDD, 0x45, 0x46, 0x4F, 0x11, 0x2F, 0x50, 0x20 };
        return (byte)values[random.nextInt(values.length)];
    }

    private static FrameBuilder tcp(
        final long dst, final long src, final int ipSrc, final int ipDst, final int sport, final int dport,
        final int flags, final int payload)
    {
        return new FrameBuilder().ethernet(dst, src).ipv4(ipSrc, ipDst).tcp(sport, dport, flags, 1000, payload);
    }

    private static byte[] protocol(final byte[] frame, final int l3, final int protocol)
    {
        frame[l3 + 9] = (byte)protocol;
        return frame;
    }

    private static byte[] ipOptions(final byte[] frame, final int l3, final int optionBytes)
    {
        final byte[] out = new byte[frame.length + optionBytes];
        System.arraycopy(frame, 0, out, 0, l3 + 20);
        for (int i = 0; i < optionBytes; i++)
        {
            out[l3 + 20 + i] = 1; // NOP
        }
        System.arraycopy(frame, l3 + 20, out, l3 + 20 + optionBytes, frame.length - l3 - 20);
        out[l3] = (byte)(0x40 | (20 + optionBytes) / 4);
        final int total = ((frame[l3 + 2] & 0xFF) << 8 | frame[l3 + 3] & 0xFF) + optionBytes;
        out[l3 + 2] = (byte)(total >>> 8);
        out[l3 + 3] = (byte)total;
        return out;
    }

    private static byte[] fragment(final byte[] frame, final int l3, final boolean more, final int offsetUnits)
    {
        final int value = (more ? 0x2000 : 0) | offsetUnits;
        frame[l3 + 6] = (byte)(value >>> 8);
        frame[l3 + 7] = (byte)value;
        return frame;
    }

    private static byte[] ipv6(
        final long dst, final long src, final int next, final int sport, final int dport, final int payload)
    {
        final int l4Length = (next == 6 ? 20 : 8) + payload;
        final byte[] frame = new FrameBuilder().ethernet(dst, src).raw(0x86DD, 40 + l4Length).toBytes();
        final int l3 = 14;
        frame[l3] = 0x60;
        frame[l3 + 4] = (byte)(l4Length >>> 8);
        frame[l3 + 5] = (byte)l4Length;
        frame[l3 + 6] = (byte)next;
        frame[l3 + 7] = 64;
        frame[l3 + 8] = (byte)0xfd;
        frame[l3 + 23] = 1;
        frame[l3 + 24] = (byte)0xfd;
        frame[l3 + 39] = 2;
        final int l4 = l3 + 40;
        frame[l4] = (byte)(sport >>> 8);
        frame[l4 + 1] = (byte)sport;
        frame[l4 + 2] = (byte)(dport >>> 8);
        frame[l4 + 3] = (byte)dport;
        if (next == 6)
        {
            frame[l4 + 12] = 0x50;
            frame[l4 + 13] = 0x02;
        }
        else
        {
            frame[l4 + 4] = (byte)(l4Length >>> 8);
            frame[l4 + 5] = (byte)l4Length;
        }
        return frame;
    }
}
