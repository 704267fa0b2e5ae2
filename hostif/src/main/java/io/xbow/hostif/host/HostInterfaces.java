package io.xbow.hostif.host;

import io.xbow.hostif.sys.LibC;
import io.xbow.hostif.sys.Native;
import io.xbow.packet.address.MacAddress;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The host's Ethernet interfaces (ARPHRD_ETHER: physical NICs, veth, TAP, bridges), read from sysfs, with their
 * drivers from the ethtool ioctl. Control plane only.
 */
public final class HostInterfaces
{
    private static final Path SYS_CLASS_NET = Path.of("/sys/class/net");
    private static final int ARPHRD_ETHER = 1;
    private static final long SIOCETHTOOL = 0x8946;
    private static final int ETHTOOL_GDRVINFO = 3;
    private static final int AF_INET = 2;
    private static final int SOCK_DGRAM = 2;

    private HostInterfaces()
    {
    }

    /**
     * @return every Ethernet interface of this network namespace, by ifindex.
     */
    public static List<HostInterface> list()
    {
        final List<Path> candidates = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(SYS_CLASS_NET))
        {
            for (final Path entry : entries)
            {
                candidates.add(entry);
            }
        }
        catch (final IOException ex)
        {
            return List.of();
        }
        final List<String[]> found = new ArrayList<>(); // name, index, driver
        for (final Path entry : candidates)
        {
            final String name = entry.getFileName().toString();
            if (number(entry.resolve("type"), -1) != ARPHRD_ETHER || name.equals("lo"))
            {
                continue;
            }
            found.add(new String[] {name, Long.toString(number(entry.resolve("ifindex"), 0)), driver(name)});
        }
        found.sort(Comparator.comparingLong(f -> Long.parseLong(f[1])));
        final Map<String, Integer> instances = new HashMap<>();
        final List<HostInterface> interfaces = new ArrayList<>();
        for (final String[] f : found)
        {
            final Path dir = SYS_CLASS_NET.resolve(f[0]);
            final int instance = instances.merge(f[2], 1, Integer::sum) - 1;
            interfaces.add(describe(f[0], dir, Integer.parseInt(f[1]), f[2] + instance));
        }
        return interfaces;
    }

    /**
     * @param name an interface name.
     * @return it, if it is an Ethernet interface of this namespace; null otherwise.
     */
    public static HostInterface find(final String name)
    {
        if (name.isEmpty() || name.contains("/") || name.startsWith("."))
        {
            return null;
        }
        for (final HostInterface candidate : list())
        {
            if (candidate.name().equals(name))
            {
                return candidate;
            }
        }
        return null;
    }

    private static HostInterface describe(final String name, final Path dir, final int index, final String device)
    {
        long mac;
        try
        {
            mac = MacAddress.parse(text(dir.resolve("address"), "0:0:0:0:0:0"));
        }
        catch (final IllegalArgumentException ex)
        {
            mac = 0;
        }
        final String operstate = text(dir.resolve("operstate"), "unknown");
        final boolean carrier = number(dir.resolve("carrier"), 0) == 1;
        final String state = operstate.equals("up") || (operstate.equals("unknown") && carrier) ? "up" :
            operstate.equals("down") || operstate.equals("lowerlayerdown") || !carrier ? "down" : "unknown";
        final long speed = Math.max(0, number(dir.resolve("speed"), 0));
        final String duplex = text(dir.resolve("duplex"), "unknown");
        return new HostInterface(name, index, mac, (int)number(dir.resolve("mtu"), 1500), state, speed,
            duplex.equals("full") || duplex.equals("half") ? duplex : "unknown", device);
    }

    /** The driver, as ethtool -i prints it; for an interface that will not say, its kind from sysfs. */
    private static String driver(final String name)
    {
        final byte[] encoded = name.getBytes(StandardCharsets.US_ASCII);
        if (encoded.length < 16)
        {
            final LibC libc = Native.libc();
            final int fd = libc.socket(AF_INET, SOCK_DGRAM, 0);
            if (fd >= 0)
            {
                try
                {
                    final UnsafeBuffer info = new UnsafeBuffer(BufferUtil.allocateDirectAligned(256, 8));
                    info.putInt(0, ETHTOOL_GDRVINFO, ByteOrder.nativeOrder());
                    final byte[] ifreq = new byte[40];
                    System.arraycopy(encoded, 0, ifreq, 0, encoded.length);
                    final long address = info.addressOffset();
                    for (int i = 0; i < 8; i++)
                    {
                        ifreq[16 + i] = (byte)(address >>> (8 * i)); // little-endian pointer, x86_64 and aarch64
                    }
                    if (libc.ioctl(fd, SIOCETHTOOL, ifreq) == 0)
                    {
                        final StringBuilder driver = new StringBuilder();
                        for (int i = 4; i < 36 && info.getByte(i) != 0; i++)
                        {
                            driver.append((char)info.getByte(i));
                        }
                        if (driver.length() > 0)
                        {
                            return driver.toString().replace('-', '_');
                        }
                    }
                }
                finally
                {
                    libc.close(fd);
                }
            }
        }
        return Files.exists(SYS_CLASS_NET.resolve(name).resolve("tun_flags")) ? "tun" : "net";
    }

    private static String text(final Path file, final String otherwise)
    {
        try
        {
            return Files.readString(file, StandardCharsets.US_ASCII).strip();
        }
        catch (final IOException ex)
        {
            return otherwise; // sysfs refuses to read what the driver does not know (speed of a veth that is down)
        }
    }

    private static long number(final Path file, final long otherwise)
    {
        try
        {
            return Long.parseLong(text(file, Long.toString(otherwise)));
        }
        catch (final NumberFormatException ex)
        {
            return otherwise;
        }
    }
}
