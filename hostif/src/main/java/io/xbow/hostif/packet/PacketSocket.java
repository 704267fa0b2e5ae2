package io.xbow.hostif.packet;

import io.xbow.hostif.sys.LibC;
import io.xbow.hostif.sys.Native;
import io.xbow.hostif.sys.NativeException;

/**
 * An {@code AF_PACKET} socket bound to one host interface: every frame on the wire in, frames out as they are.
 * Promiscuous ({@code PACKET_ADD_MEMBERSHIP} with {@code PACKET_MR_PROMISC}: frames for the guests' MACs are not
 * the interface's own), VLAN tags the kernel strips on receive come back in auxiliary data
 * ({@code PACKET_AUXDATA}), frames this host sends on the interface (ours among them) are not looped back
 * ({@code PACKET_IGNORE_OUTGOING}, Linux 4.20), and every frame comes and goes behind a virtio-net header
 * ({@code PACKET_VNET_HDR}) with its offload state. Non-blocking.
 */
public final class PacketSocket implements AutoCloseable
{
    static final int AF_PACKET = 17;
    private static final int SOCK_RAW = 3;
    private static final int SOCK_NONBLOCK = 0x800;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int ETH_P_ALL = 0x0003;
    static final int SOL_PACKET = 263;
    private static final int PACKET_ADD_MEMBERSHIP = 1;
    private static final int PACKET_MR_PROMISC = 1;
    static final int PACKET_AUXDATA = 8;
    private static final int PACKET_IGNORE_OUTGOING = 23;
    private static final int PACKET_VNET_HDR = 15;
    private static final int SOL_SOCKET = 1;
    private static final int SO_RCVBUF = 8;
    private static final int SO_SNDBUF = 7;

    private final LibC libc;
    private final int fd;
    private final String name;
    private volatile boolean closed;

    private PacketSocket(final LibC libc, final int fd, final String name)
    {
        this.libc = libc;
        this.fd = fd;
        this.name = name;
    }

    /**
     * @param name    the interface.
     * @param ifindex its index.
     * @return the socket, bound and promiscuous.
     * @throws NativeException if the kernel refuses (not root: CAP_NET_RAW).
     */
    public static PacketSocket open(final String name, final int ifindex) throws NativeException
    {
        final LibC libc = Native.libc();
        final int protocol = Short.reverseBytes((short)ETH_P_ALL) & 0xFFFF;
        final int fd = libc.socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
        if (fd < 0)
        {
            throw Native.failure("open a packet socket on " + name);
        }
        try
        {
            final byte[] address = new byte[20]; // struct sockaddr_ll
            putShort(address, 0, AF_PACKET);
            address[2] = (byte)(ETH_P_ALL >>> 8); // sll_protocol, network order
            address[3] = (byte)ETH_P_ALL;
            putInt(address, 4, ifindex);
            if (libc.bind(fd, address, address.length) != 0)
            {
                throw Native.failure("bind a packet socket to " + name);
            }
            final byte[] membership = new byte[16]; // struct packet_mreq
            putInt(membership, 0, ifindex);
            putShort(membership, 4, PACKET_MR_PROMISC);
            option(libc, fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, membership, "make " + name + " promiscuous");
            option(libc, fd, SOL_PACKET, PACKET_AUXDATA, intValue(1), "ask for VLAN tags on " + name);
            option(libc, fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, intValue(1), "ignore frames sent on " + name);
            // Frames come and go behind a virtio-net header: received ones say when their checksum is partial or
            // they are a super-frame (GRO, or a local sender's TSO), which would otherwise arrive broken or cut.
            option(libc, fd, SOL_PACKET, PACKET_VNET_HDR, intValue(1), "ask for offload headers on " + name);
            // Room for bursts while the datapath is busy elsewhere: 4 MiB each way (the kernel may cap it).
            libc.setsockopt(fd, SOL_SOCKET, SO_RCVBUF, intValue(4 << 20), 4);
            libc.setsockopt(fd, SOL_SOCKET, SO_SNDBUF, intValue(4 << 20), 4);
            return new PacketSocket(libc, fd, name);
        }
        catch (final NativeException | RuntimeException ex)
        {
            libc.close(fd);
            throw ex;
        }
    }

    private static void option(final LibC libc, final int fd, final int level, final int option, final byte[] value,
        final String what) throws NativeException
    {
        if (libc.setsockopt(fd, level, option, value, value.length) != 0)
        {
            throw Native.failure("cannot " + what);
        }
    }

    private static byte[] intValue(final int value)
    {
        final byte[] bytes = new byte[4];
        putInt(bytes, 0, value);
        return bytes;
    }

    private static void putShort(final byte[] bytes, final int at, final int value)
    {
        bytes[at] = (byte)value; // native order (little-endian on the platforms xbow runs on)
        bytes[at + 1] = (byte)(value >>> 8);
    }

    private static void putInt(final byte[] bytes, final int at, final int value)
    {
        for (int i = 0; i < 4; i++)
        {
            bytes[at + i] = (byte)(value >>> (8 * i));
        }
    }

    public int fd()
    {
        return fd;
    }

    public String name()
    {
        return name;
    }

    LibC libc()
    {
        return libc;
    }

    boolean isClosed()
    {
        return closed;
    }

    @Override
    public void close()
    {
        if (!closed)
        {
            closed = true;
            libc.close(fd);
        }
    }
}
