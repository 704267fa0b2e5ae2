package io.xbow.control.capture.file;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * pcapng (draft-ietf-opsawg-pcapng), written by hand since libpcap only reads it: one section, one Ethernet interface
 * per captured link named after it, nanosecond timestamps, and each frame's direction. Little-endian throughout.
 * <pre>
 *   SHB: 0a0d0d0a | len | 1a2b3c4d | 1 | 0 | section length -1 (64) | shb_userappl "xbow" | end | len
 *   IDB: 00000001 | len | linktype 1 (16) | reserved (16) | snaplen | if_name (2) | if_tsresol (9) = 9 | end | len
 *   EPB: 00000006 | len | interface | ts high | ts low | captured | original | data, padded to 32 bits
 *        | epb_flags (2) = direction in bits 0-1 (01 inbound, 10 outbound) | end | len
 * </pre>
 */
final class PcapngFormat implements CaptureFormat
{
    static final int SECTION_HEADER = 0x0A0D0D0A;
    static final int BYTE_ORDER_MAGIC = 0x1A2B3C4D;
    static final int INTERFACE_DESCRIPTION = 1;
    static final int ENHANCED_PACKET = 6;
    static final int OPTION_END = 0;
    static final int SHB_USERAPPL = 4;
    static final int IF_NAME = 2;
    static final int IF_TSRESOL = 9;
    static final int EPB_FLAGS = 2;
    static final int TSRESOL_NANOSECONDS = 9;
    static final int EPB_FIXED_LENGTH = 32;
    static final int EPB_FLAGS_LENGTH = 8;
    static final int BLOCK_TRAILER_AND_END_LENGTH = 8;
    private static final byte[] USERAPPL = "xbow".getBytes(StandardCharsets.UTF_8);

    private final byte[][] linkNames;
    private final int snaplen;

    PcapngFormat(final List<String> linkNames, final int snaplen)
    {
        this.linkNames = new byte[linkNames.size()][];
        for (int i = 0; i < linkNames.size(); i++)
        {
            this.linkNames[i] = linkNames.get(i).getBytes(StandardCharsets.UTF_8);
        }
        this.snaplen = snaplen;
    }

    @Override
    public int maxRecordLength()
    {
        return EPB_FIXED_LENGTH + padded(snaplen) + EPB_FLAGS_LENGTH + 4;
    }

    @Override
    public void writeHeader(final ByteBuffer buffer)
    {
        final int shbLength = 28 + option(USERAPPL.length) + 4;
        buffer.putInt(SECTION_HEADER).putInt(shbLength).putInt(BYTE_ORDER_MAGIC)
            .putShort((short)1).putShort((short)0).putLong(-1L);
        putOption(buffer, SHB_USERAPPL, USERAPPL);
        buffer.putInt(OPTION_END).putInt(shbLength);
        for (final byte[] name : linkNames)
        {
            final int idbLength = 20 + option(name.length) + option(1) + 4;
            buffer.putInt(INTERFACE_DESCRIPTION).putInt(idbLength)
                .putShort((short)PcapFormat.LINKTYPE_ETHERNET).putShort((short)0).putInt(snaplen);
            putOption(buffer, IF_NAME, name);
            buffer.putShort((short)IF_TSRESOL).putShort((short)1).putInt(TSRESOL_NANOSECONDS);
            buffer.putInt(OPTION_END).putInt(idbLength);
        }
    }

    @Override
    public void writeRecord(
        final ByteBuffer buffer, final int link, final int direction, final long timestampNs, final int originalLength,
        final byte[] data, final int offset, final int length)
    {
        if (link < 0 || link >= linkNames.length)
        {
            throw new IllegalArgumentException("link " + link + " is not one of the " + linkNames.length + " opened");
        }
        final int flags = direction & 3;
        final int blockLength = EPB_FIXED_LENGTH + padded(length) + (flags != 0 ? EPB_FLAGS_LENGTH + 4 : 0);
        buffer.putInt(ENHANCED_PACKET).putInt(blockLength).putInt(link)
            .putInt((int)(timestampNs >>> 32)).putInt((int)timestampNs)
            .putInt(length).putInt(originalLength)
            .put(data, offset, length);
        for (int pad = padded(length) - length; pad > 0; pad--)
        {
            buffer.put((byte)0);
        }
        if (flags != 0)
        {
            buffer.putShort((short)EPB_FLAGS).putShort((short)4).putInt(flags).putInt(OPTION_END);
        }
        buffer.putInt(blockLength);
    }

    private static int padded(final int length)
    {
        return (length + 3) & ~3;
    }

    private static int option(final int valueLength)
    {
        return 4 + padded(valueLength);
    }

    private static void putOption(final ByteBuffer buffer, final int code, final byte[] value)
    {
        buffer.putShort((short)code).putShort((short)value.length).put(value);
        for (int pad = padded(value.length) - value.length; pad > 0; pad--)
        {
            buffer.put((byte)0);
        }
    }
}
