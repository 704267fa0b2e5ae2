package io.xbow.packet.offload;

import io.xbow.packet.checksum.InternetChecksum;
import io.xbow.packet.frame.FrameBatch;
import io.xbow.packet.frame.FrameOffload;
import io.xbow.packet.frame.FramePool;
import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import java.nio.ByteOrder;

/**
 * Cuts a TCP super-frame ({@code VIRTIO_NET_HDR_GSO_TCPV4/6}, up to 64 KiB, what TSO and GRO make) into the segments
 * the wire would carry, as the kernel's GSO does (OVS's {@code dp-packet-gso} does the same in user space): each
 * with the super-frame's headers, its share of the payload, the IPv4 length and id (the super-frame's id plus the
 * segment's index), the TCP sequence number, PSH and FIN on the last segment only, CWR on the first only, and
 * complete IPv4 and TCP checksums.
 * <p>
 * A flyweight: {@link #wrap} parses the headers once, then {@link #cut} writes any segment into any buffer (a pool
 * slot when a port cannot take the super-frame, a capture's scratch when a capture shows what the wire carries).
 * One instance per thread; it allocates nothing.
 * <p>
 * Frames it cuts: Ethernet with at most one 802.1Q tag, IPv4 without restriction on options or IPv6 without
 * extension headers, then TCP. Anything else is refused by {@link #wrap}.
 */
public final class SuperFrameCutter
{
    private static final ByteOrder BE = ByteOrder.BIG_ENDIAN;
    private static final int ETH_HEADER = 14;
    private static final int TCP_FIN = 0x01;
    private static final int TCP_PSH = 0x08;
    private static final int TCP_CWR = 0x80;

    private DirectBuffer source;
    private int frame;
    private boolean v4;
    private int l3;
    private int l4;
    private int headers;
    private int payload;
    private int mss;
    private int segments;
    private long seq;
    private int flags;
    private int ipId;

    /**
     * @param source  holding the super-frame.
     * @param frame   its offset.
     * @param length  its length.
     * @param gsoType {@link FrameOffload#GSO_TCPV4} or {@link FrameOffload#GSO_TCPV6}, ECN bit allowed.
     * @param mss     the segment size (virtio's gso_size).
     * @return how many segments it makes, or -1 if it is not a super-frame this can cut (a guest's lie).
     */
    public int wrap(final DirectBuffer source, final int frame, final int length, final int gsoType, final int mss)
    {
        segments = -1;
        int network = ETH_HEADER;
        if (length < ETH_HEADER + 4)
        {
            return -1;
        }
        int etherType = source.getShort(frame + 12, BE) & 0xFFFF;
        if (etherType == 0x8100)
        {
            etherType = source.getShort(frame + 16, BE) & 0xFFFF;
            network += 4;
        }
        final int type = gsoType & ~FrameOffload.GSO_ECN;
        final boolean ipv4 = type == FrameOffload.GSO_TCPV4;
        final boolean ipv6 = type == FrameOffload.GSO_TCPV6;
        if (mss <= 0 || !(ipv4 && etherType == 0x0800 || ipv6 && etherType == 0x86DD) || length < network + 40)
        {
            return -1;
        }
        final int transport;
        if (ipv4)
        {
            final int ihl = (source.getByte(frame + network) & 0x0F) * 4;
            if (ihl < 20 || source.getByte(frame + network + 9) != 6)
            {
                return -1;
            }
            transport = network + ihl;
        }
        else
        {
            if (source.getByte(frame + network + 6) != 6)
            {
                return -1; // extension headers: not cut here
            }
            transport = network + 40;
        }
        if (length < transport + 20)
        {
            return -1;
        }
        final int tcpHeader = ((source.getByte(frame + transport + 12) >>> 4) & 0x0F) * 4;
        final int all = transport + tcpHeader;
        if (tcpHeader < 20 || length <= all)
        {
            return -1;
        }
        this.source = source;
        this.frame = frame;
        this.v4 = ipv4;
        this.l3 = network;
        this.l4 = transport;
        this.headers = all;
        this.payload = length - all;
        this.mss = mss;
        this.seq = source.getInt(frame + transport + 4, BE) & 0xFFFF_FFFFL;
        this.flags = source.getByte(frame + transport + 13) & 0xFF;
        this.ipId = ipv4 ? source.getShort(frame + network + 4, BE) & 0xFFFF : 0;
        segments = (payload + mss - 1) / mss;
        return segments;
    }

    /**
     * @return the wrapped super-frame's headers (Ethernet to TCP options), which every segment repeats.
     */
    public int headers()
    {
        return headers;
    }

    /**
     * @return the longest segment: headers and one segment size of payload.
     */
    public int largestSegment()
    {
        return headers + Math.min(mss, payload);
    }

    /**
     * Write one segment of the wrapped super-frame.
     *
     * @param index  which, from 0 to the count {@link #wrap} returned.
     * @param target where it goes; it must have room for {@link #largestSegment()} bytes at {@code at}.
     * @param at     its offset there.
     * @return the segment's length.
     */
    public int cut(final int index, final MutableDirectBuffer target, final int at)
    {
        final int chunk = Math.min(mss, payload - index * mss);
        target.putBytes(at, source, frame, headers);
        target.putBytes(at + headers, source, frame + headers + index * mss, chunk);
        final int length = headers + chunk;
        int segmentFlags = flags;
        if (index != segments - 1)
        {
            segmentFlags &= ~(TCP_FIN | TCP_PSH);
        }
        if (index > 0)
        {
            segmentFlags &= ~TCP_CWR;
        }
        target.putByte(at + l4 + 13, (byte)segmentFlags);
        target.putInt(at + l4 + 4, (int)(seq + (long)index * mss), BE);
        final int tcpLength = length - l4;
        final long sum;
        if (v4)
        {
            target.putShort(at + l3 + 2, (short)(length - l3), BE);
            target.putShort(at + l3 + 4, (short)(ipId + index), BE);
            target.putShort(at + l3 + 10, (short)0);
            target.putShort(at + l3 + 10, (short)InternetChecksum.ipv4HeaderChecksum(target, at + l3, l4 - l3), BE);
            sum = InternetChecksum.pseudoHeaderSum(target.getInt(at + l3 + 12, BE), target.getInt(at + l3 + 16, BE),
                6, tcpLength);
        }
        else
        {
            target.putShort(at + l3 + 4, (short)tcpLength, BE);
            sum = InternetChecksum.sum(target, at + l3 + 8, 32) + tcpLength + 6;
        }
        target.putShort(at + l4 + 16, (short)0);
        target.putShort(at + l4 + 16, (short)InternetChecksum.finish(sum + InternetChecksum.sum(target, at + l4,
            tcpLength)), BE);
        return length;
    }

    /**
     * Cut the wrapped super-frame into frames from a pool, appended to a batch; all or nothing.
     *
     * @param pool where segments come from (their slots must hold {@link #largestSegment()}).
     * @param out  where they go.
     * @return the segments made, or -1 if the pool or the batch lacks room, or nothing is wrapped (none taken).
     */
    public int cutInto(final FramePool pool, final FrameBatch out)
    {
        if (segments < 0 || out.capacity() - out.count() < segments || pool.available() < segments ||
            largestSegment() > pool.maxFrameLength())
        {
            return -1;
        }
        final MutableDirectBuffer target = pool.buffer();
        for (int i = 0; i < segments; i++)
        {
            final int handle = pool.allocate();
            pool.length(handle, cut(i, target, pool.offset(handle)));
            out.add(handle);
        }
        return segments;
    }
}
