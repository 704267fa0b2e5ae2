package io.xbow.nat.dhcp;

import org.agrona.DirectBuffer;

import java.nio.ByteOrder;

/**
 * A DHCP message a client sent (RFC 2131, options RFC 2132), read into a reusable holder: the fixed fields the
 * server needs and the options it acts on. Every read is bounds-checked against the UDP payload: a truncated
 * message, a bad magic cookie, an option running past its area or a hardware address longer than 16 bytes makes
 * {@link #read} answer false, and nothing else is looked at. Option overload (option 52) is honoured once: the
 * {@code file} and {@code sname} fields are then read as options too, each once (no area can send the reader back
 * to another, so there is no loop to follow).
 */
public final class DhcpRequest
{
    /** Where the options start: after the fixed fields (236 bytes) and the magic cookie. */
    static final int OPTIONS = 240;
    static final int MAGIC = 0x6382_5363;
    private static final ByteOrder BE = ByteOrder.BIG_ENDIAN;

    int op;
    int htype;
    int hlen;
    int xid;
    int flags;
    int ciaddr;
    int giaddr;
    long chaddr;
    int messageType;
    int requestedAddress;
    int serverId;
    int maxMessageSize;
    final byte[] hostname = new byte[64];
    int hostnameLength;
    /** The options the client asked for (option 55), as a bit set. */
    final long[] parameters = new long[4];

    /**
     * @param buffer  holding the message.
     * @param at      where the BOOTP message starts (the UDP payload).
     * @param length  the UDP payload's length.
     * @return false if the message is not a well-formed DHCP request from an Ethernet client.
     */
    public boolean read(final DirectBuffer buffer, final int at, final int length)
    {
        if (length < OPTIONS + 1)
        {
            return false;
        }
        op = buffer.getByte(at) & 0xFF;
        htype = buffer.getByte(at + 1) & 0xFF;
        hlen = buffer.getByte(at + 2) & 0xFF;
        xid = buffer.getInt(at + 4, BE);
        flags = buffer.getShort(at + 10, BE) & 0xFFFF;
        ciaddr = buffer.getInt(at + 12, BE);
        giaddr = buffer.getInt(at + 24, BE);
        if (op != 1 || htype != 1 || hlen != 6 || buffer.getInt(at + 236, BE) != MAGIC)
        {
            return false;
        }
        chaddr = (buffer.getShort(at + 28, BE) & 0xFFFFL) << 32 | (buffer.getInt(at + 30, BE) & 0xFFFF_FFFFL);
        messageType = 0;
        requestedAddress = 0;
        serverId = 0;
        maxMessageSize = 0;
        hostnameLength = 0;
        parameters[0] = parameters[1] = parameters[2] = parameters[3] = 0;
        final int overload = options(buffer, at + OPTIONS, length - OPTIONS, true);
        if (overload < 0)
        {
            return false;
        }
        if ((overload & 1) != 0 && options(buffer, at + 108, 128, false) < 0)
        {
            return false; // options in the file field
        }
        if ((overload & 2) != 0 && options(buffer, at + 44, 64, false) < 0)
        {
            return false; // options in the sname field
        }
        return messageType >= 1 && messageType <= 8;
    }

    /**
     * Read one options area.
     *
     * @return the overload value found (0 if none, or if overload is not allowed here), or -1 if malformed.
     */
    private int options(final DirectBuffer buffer, final int from, final int length, final boolean main)
    {
        int overload = 0;
        int i = 0;
        while (i < length)
        {
            final int code = buffer.getByte(from + i) & 0xFF;
            if (code == 255)
            {
                return overload;
            }
            if (code == 0)
            {
                i++;
                continue;
            }
            if (i + 1 >= length)
            {
                return -1;
            }
            final int size = buffer.getByte(from + i + 1) & 0xFF;
            final int value = from + i + 2;
            if (i + 2 + size > length)
            {
                return -1;
            }
            switch (code)
            {
                case 53 -> messageType = size == 1 ? buffer.getByte(value) & 0xFF : -1;
                case 50 -> requestedAddress = size == 4 ? buffer.getInt(value, BE) : 0;
                case 54 -> serverId = size == 4 ? buffer.getInt(value, BE) : 0;
                case 57 -> maxMessageSize = size == 2 ? buffer.getShort(value, BE) & 0xFFFF : 0;
                case 12 ->
                {
                    hostnameLength = Math.min(size, hostname.length);
                    buffer.getBytes(value, hostname, 0, hostnameLength);
                }
                case 55 ->
                {
                    for (int p = 0; p < size; p++)
                    {
                        final int option = buffer.getByte(value + p) & 0xFF;
                        parameters[option >>> 6] |= 1L << (option & 63);
                    }
                }
                case 52 ->
                {
                    if (main && size == 1)
                    {
                        overload = buffer.getByte(value) & 3;
                    }
                }
                default ->
                {
                }
            }
            i += 2 + size;
        }
        // No end option: RFC 2131 requires one, but some clients pad to the end of the packet instead.
        return overload;
    }

    /** @return true if the client asked for the option (option 55), or asked for no list at all. */
    boolean asked(final int option)
    {
        final boolean anyAsked = (parameters[0] | parameters[1] | parameters[2] | parameters[3]) != 0;
        return !anyAsked || (parameters[option >>> 6] & 1L << (option & 63)) != 0;
    }

    String hostname()
    {
        // Printable ASCII only: a hostname ends up in a show command and the lease file.
        final StringBuilder sb = new StringBuilder(hostnameLength);
        for (int i = 0; i < hostnameLength; i++)
        {
            final int c = hostname[i] & 0xFF;
            sb.append(c > 32 && c < 127 ? (char)c : '?');
        }
        return sb.toString();
    }
}
