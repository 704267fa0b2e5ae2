package io.xbow.control.capture.file;

import java.io.Closeable;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a pcap file (microsecond or nanosecond timestamps, either byte order) or a pcapng file (sections of either
 * byte order; interface description, enhanced, simple and obsolete packet blocks; each interface's link type, name
 * and timestamp resolution; other blocks skipped), as {@code xbow capture -r} and tcpdump read them. A damaged file
 * ends in a clear {@link IOException} naming the offset, never in a huge allocation: a record longer than its
 * interface's snapshot length or 256 KiB is refused.
 */
public final class CaptureFileReader implements Closeable
{
    /** A frame read. */
    public record Frame(long timestampNs, int linkType, String interfaceName, int direction, byte[] data,
        int originalLength)
    {
    }

    /** epb_flags direction: 1 inbound, 2 outbound, 0 unknown. */
    public static final int INBOUND = 1;
    public static final int OUTBOUND = 2;
    private static final int MAX_RECORD = 262_144;

    private final DataInputStream in;
    private final String name;
    private final boolean pcapng;
    private ByteOrder order;
    private boolean nanoseconds;
    private int pcapLinkType;
    private int pcapSnaplen;
    private final List<Interface> interfaces = new ArrayList<>();
    private long offset;

    private record Interface(int linkType, int snaplen, String name, long unitsPerSecond)
    {
    }

    /**
     * @param input the file's bytes.
     * @param name  the file's name, for messages.
     * @throws IOException if it is neither pcap nor pcapng.
     */
    public CaptureFileReader(final InputStream input, final String name) throws IOException
    {
        this.in = new DataInputStream(input);
        this.name = name;
        final byte[] magic = read(4);
        final int big = ByteBuffer.wrap(magic).getInt();
        final int little = ByteBuffer.wrap(magic).order(ByteOrder.LITTLE_ENDIAN).getInt();
        if (big == 0x0A0D0D0A)
        {
            pcapng = true;
            section();
            return;
        }
        pcapng = false;
        if (big == 0xA1B2C3D4 || big == 0xA1B23C4D)
        {
            order = ByteOrder.BIG_ENDIAN;
            nanoseconds = big == 0xA1B23C4D;
        }
        else if (little == 0xA1B2C3D4 || little == 0xA1B23C4D)
        {
            order = ByteOrder.LITTLE_ENDIAN;
            nanoseconds = little == 0xA1B23C4D;
        }
        else
        {
            throw new IOException(name + ": not a pcap or pcapng file (unknown magic number 0x" +
                Integer.toHexString(big) + ")");
        }
        final ByteBuffer header = ByteBuffer.wrap(read(20)).order(order);
        header.getShort();
        header.getShort();
        header.getInt();
        header.getInt();
        pcapSnaplen = header.getInt();
        pcapLinkType = header.getInt() & 0x0FFF_FFFF;
    }

    /**
     * @return the link type of a pcap file, or of a pcapng file's first interface (-1 before one is described).
     */
    public int linkType()
    {
        return pcapng ? interfaces.isEmpty() ? -1 : interfaces.get(0).linkType() : pcapLinkType;
    }

    /**
     * @return the snapshot length a pcap file states (its first interface's for pcapng).
     */
    public int snaplen()
    {
        return pcapng ? interfaces.isEmpty() ? 0 : interfaces.get(0).snaplen() : pcapSnaplen;
    }

    public boolean isPcapng()
    {
        return pcapng;
    }

    /**
     * @return the next frame, or null at the end of the file.
     * @throws IOException if the file is damaged or cut short in the middle of a record.
     */
    public Frame next() throws IOException
    {
        return pcapng ? nextBlock() : nextRecord();
    }

    private Frame nextRecord() throws IOException
    {
        final byte[] head = readOrEnd(16);
        if (head == null)
        {
            return null;
        }
        final ByteBuffer h = ByteBuffer.wrap(head).order(order);
        final long seconds = h.getInt() & 0xFFFF_FFFFL;
        final long fraction = h.getInt() & 0xFFFF_FFFFL;
        final int captured = h.getInt();
        final int original = h.getInt();
        if (captured < 0 || captured > Math.max(MAX_RECORD, pcapSnaplen))
        {
            throw new IOException(name + ": a record at offset " + (offset - 16) + " claims " +
                Integer.toUnsignedString(captured) + " bytes: the file is damaged");
        }
        return new Frame(seconds * 1_000_000_000L + (nanoseconds ? fraction : fraction * 1000), pcapLinkType, null,
            0, read(captured), original);
    }

    /** After the SHB's block type: its length, byte-order magic and the rest of it. */
    private void section() throws IOException
    {
        final byte[] lengthAndMagic = read(8);
        final int magic = ByteBuffer.wrap(lengthAndMagic, 4, 4).getInt();
        if (magic == 0x1A2B3C4D)
        {
            order = ByteOrder.BIG_ENDIAN;
        }
        else if (magic == 0x4D3C2B1A)
        {
            order = ByteOrder.LITTLE_ENDIAN;
        }
        else
        {
            throw new IOException(name + ": a pcapng section at offset " + (offset - 12) + " has no byte-order magic");
        }
        final int length = ByteBuffer.wrap(lengthAndMagic, 0, 4).order(order).getInt();
        if (length < 28 || length % 4 != 0 || length > MAX_RECORD)
        {
            throw new IOException(name + ": a pcapng section header of " + length + " bytes: the file is damaged");
        }
        read(length - 12);
        interfaces.clear();
    }

    private Frame nextBlock() throws IOException
    {
        while (true)
        {
            final byte[] head = readOrEnd(4);
            if (head == null)
            {
                return null;
            }
            if (ByteBuffer.wrap(head).getInt() == 0x0A0D0D0A)
            {
                section();
                continue;
            }
            final int type = ByteBuffer.wrap(head).order(order).getInt();
            final int length = ByteBuffer.wrap(read(4)).order(order).getInt();
            if (length < 12 || length % 4 != 0 || length > MAX_RECORD + 64)
            {
                throw new IOException(name + ": a pcapng block at offset " + (offset - 8) + " claims " +
                    Integer.toUnsignedString(length) + " bytes: the file is damaged");
            }
            final ByteBuffer body = ByteBuffer.wrap(read(length - 12)).order(order);
            read(4); // the trailing length
            switch (type)
            {
                case 1:
                    describeInterface(body);
                    break;
                case 6:
                case 2:
                    return packet(body, type == 2);
                case 3:
                    return simplePacket(body);
                default:
                    break; // statistics, name resolution, custom: nothing to print
            }
        }
    }

    private void describeInterface(final ByteBuffer body) throws IOException
    {
        final int linkType = body.getShort() & 0xFFFF;
        body.getShort();
        final int snaplen = body.getInt();
        String ifname = null;
        long units = 1_000_000;
        while (body.remaining() >= 4)
        {
            final int code = body.getShort() & 0xFFFF;
            final int length = body.getShort() & 0xFFFF;
            if (code == 0 || length > body.remaining())
            {
                break;
            }
            final byte[] value = new byte[length];
            body.get(value);
            body.position(body.position() + ((4 - length % 4) % 4));
            if (code == 2)
            {
                ifname = new String(value, StandardCharsets.UTF_8).replace("\0", "");
            }
            else if (code == 9 && length >= 1)
            {
                final int resolution = value[0] & 0xFF;
                final int exponent = resolution & 0x7F;
                if ((resolution & 0x80) == 0 ? exponent > 18 : exponent > 62)
                {
                    throw new IOException(name + ": an interface's timestamp resolution (" + resolution +
                        ") is out of range");
                }
                units = (resolution & 0x80) == 0 ? (long)Math.pow(10, exponent) : 1L << exponent;
            }
        }
        interfaces.add(new Interface(linkType, snaplen, ifname, units));
    }

    private Interface interfaceOf(final int index) throws IOException
    {
        if (index < 0 || index >= interfaces.size())
        {
            throw new IOException(name + ": a packet of interface " + index + ", which the file never described");
        }
        return interfaces.get(index);
    }

    private Frame packet(final ByteBuffer body, final boolean obsolete) throws IOException
    {
        final int index = obsolete ? body.getShort() & 0xFFFF : body.getInt();
        if (obsolete)
        {
            body.getShort(); // drops count
        }
        final Interface iface = interfaceOf(index);
        final long ticks = (body.getInt() & 0xFFFF_FFFFL) << 32 | (body.getInt() & 0xFFFF_FFFFL);
        final int captured = body.getInt();
        final int original = body.getInt();
        if (captured < 0 || captured > body.remaining())
        {
            throw new IOException(name + ": a packet block claims " + Integer.toUnsignedString(captured) +
                " captured bytes in a block of " + body.remaining());
        }
        final byte[] data = new byte[captured];
        body.get(data);
        body.position(Math.min(body.limit(), body.position() + ((4 - captured % 4) % 4)));
        int direction = 0;
        while (!obsolete && body.remaining() >= 4)
        {
            final int code = body.getShort() & 0xFFFF;
            final int length = body.getShort() & 0xFFFF;
            if (code == 0 || length > body.remaining())
            {
                break;
            }
            if (code == 2 && length >= 4)
            {
                direction = body.getInt(body.position()) & 0x3;
            }
            body.position(body.position() + length + ((4 - length % 4) % 4));
        }
        return new Frame(toNanos(ticks, iface.unitsPerSecond()), iface.linkType(), iface.name(), direction, data,
            original);
    }

    private Frame simplePacket(final ByteBuffer body) throws IOException
    {
        final Interface iface = interfaceOf(0);
        final int original = body.getInt();
        final int captured = Math.min(Math.min(original, iface.snaplen() == 0 ? Integer.MAX_VALUE : iface.snaplen()),
            body.remaining());
        final byte[] data = new byte[Math.max(0, captured)];
        body.get(data);
        return new Frame(0, iface.linkType(), iface.name(), 0, data, original);
    }

    private static long toNanos(final long ticks, final long unitsPerSecond)
    {
        final long seconds = ticks / unitsPerSecond;
        final long rest = ticks % unitsPerSecond;
        return seconds * 1_000_000_000L + (unitsPerSecond >= 1_000_000_000L ? rest / (unitsPerSecond / 1_000_000_000L) :
            rest * (1_000_000_000L / unitsPerSecond));
    }

    private byte[] read(final int length) throws IOException
    {
        final byte[] bytes = readOrEnd(length);
        if (bytes == null)
        {
            throw new IOException(name + ": cut short at offset " + offset);
        }
        return bytes;
    }

    /** null at a clean end of file (nothing of the record read); a record cut in the middle is an error. */
    private byte[] readOrEnd(final int length) throws IOException
    {
        final byte[] bytes = new byte[length];
        int done = 0;
        while (done < length)
        {
            final int n = in.read(bytes, done, length - done);
            if (n < 0)
            {
                if (done == 0)
                {
                    return null;
                }
                throw new EOFException(name + ": cut short at offset " + (offset + done) + " (truncated capture?)");
            }
            done += n;
        }
        offset += length;
        return bytes;
    }

    @Override
    public void close() throws IOException
    {
        in.close();
    }
}
