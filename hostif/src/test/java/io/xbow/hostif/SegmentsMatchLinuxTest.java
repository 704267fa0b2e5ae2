package io.xbow.hostif;

import io.xbow.hostif.netns.NetworkNamespace;
import io.xbow.hostif.tap.TapDevice;
import io.xbow.packet.checksum.InternetChecksum;
import io.xbow.packet.frame.FrameOffload;
import io.xbow.packet.offload.SuperFrameCutter;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * xbow's software segmentation against Linux's own: random TCP super-frames (IPv4 and IPv6, with and without an
 * 802.1Q tag and TCP options, PSH, FIN and CWR, segment sizes from 536 to 8960) are written into a TAP with a
 * virtio-net header; a Linux bridge forwards them to a veth with TSO, GSO and checksum offload off, so the kernel's
 * GSO cuts them; tcpdump on the veth's peer records what Linux made. {@link SuperFrameCutter} must make the same
 * frames, byte for byte.
 */
class SegmentsMatchLinuxTest
{
    private static final String PREFIX = "xbows";
    private static final long SOURCE_MAC = 0x0216_3e5a_0001L;
    private static final long DESTINATION_MAC = 0x0216_3e5a_0002L;
    private static final int CASES = 60;

    private final List<AutoCloseable> cleanup = new ArrayList<>();

    @AfterEach
    void tearDown()
    {
        for (final AutoCloseable resource : cleanup)
        {
            try
            {
                resource.close();
            }
            catch (final Exception ignored)
            {
                // best effort: the rest must go too
            }
        }
    }

    @Test
    void ourSegmentsShouldBeByteForByteTheOnesLinuxGsoMakes() throws Exception
    {
        NetTests.assumeRootNetwork("ip", "tcpdump", "ethtool");
        NetworkNamespace.removeLeftovers(PREFIX);
        final NetworkNamespace ns = NetworkNamespace.create(NetworkNamespace.nameFor(PREFIX, "gso"));
        cleanup.add(ns);
        final TapDevice tap = TapDevice.create("xbs" + ProcessHandle.current().pid() % 10_000_000);
        cleanup.add(0, tap);
        ns.adopt(tap.name());
        ns.exec("sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1");
        ns.ip("link", "add", "va", "mtu", "9000", "type", "veth", "peer", "name", "vb", "mtu", "9000");
        ns.ip("link", "add", "br0", "type", "bridge", "stp_state", "0");
        ns.ip("link", "set", "dev", tap.name(), "mtu", "9000", "master", "br0", "up");
        ns.ip("link", "set", "dev", "va", "master", "br0", "up");
        ns.ip("link", "set", "dev", "vb", "up");
        ns.ip("link", "set", "dev", "br0", "up");
        ns.exec("ethtool", "-K", "va", "tx", "off", "tso", "off", "gso", "off");

        final Path pcap = Files.createTempFile("xbow-gso", ".pcap");
        cleanup.add(() -> Files.deleteIfExists(pcap));
        final Process tcpdump = ns.processBuilder(List.of("tcpdump", "-i", "vb", "-U", "-n", "-s", "0", "-w",
            pcap.toString(), "ether", "src", "02:16:3e:5a:00:01")).redirectErrorStream(true).start();
        cleanup.add(0, tcpdump::destroyForcibly);
        awaitListening(tcpdump);

        final Random random = new Random(0x5eed);
        final UnsafeBuffer write = new UnsafeBuffer(ByteBuffer.allocateDirect(65_536 + 64));
        final List<byte[]> superFrames = new ArrayList<>();
        final List<String> described = new ArrayList<>();
        final List<byte[]> expected = new ArrayList<>();
        final List<Integer> caseOf = new ArrayList<>();
        final SuperFrameCutter cutter = new SuperFrameCutter();
        final UnsafeBuffer segment = new UnsafeBuffer(new byte[65_536]);
        for (int c = 0; c < CASES; c++)
        {
            final boolean v6 = random.nextBoolean();
            final boolean tagged = random.nextInt(4) == 0;
            final boolean options = random.nextBoolean();
            final int mss = 536 + random.nextInt(8960 - 536 + 1);
            final int headers = 14 + (tagged ? 4 : 0) + (v6 ? 40 : 20) + (options ? 32 : 20);
            final int payload = mss + 1 + random.nextInt(Math.min(65_535 - 100, 63 * mss) - mss);
            final int flagChoice = random.nextInt(4);
            final int tcpFlags = switch (flagChoice)
            {
                case 0 -> 0x10;
                case 1 -> 0x18;
                case 2 -> 0x19;
                default -> 0x90; // CWR, on a flow that negotiated ECN
            };
            final int gsoType = (v6 ? FrameOffload.GSO_TCPV6 : FrameOffload.GSO_TCPV4) |
                (flagChoice == 3 ? FrameOffload.GSO_ECN : 0);
            final byte[] frame = superFrame(random, v6, tagged, options, tcpFlags, payload);
            superFrames.add(frame);
            described.add((v6 ? "IPv6" : "IPv4") + (tagged ? " tagged" : "") + (options ? " options" : "") +
                " flags 0x" + Integer.toHexString(tcpFlags) + " mss " + mss + " payload " + payload);

            final int l4 = headers - (options ? 32 : 20);
            write.setMemory(0, 10, (byte)0);
            write.putByte(0, (byte)FrameOffload.CSUM_PARTIAL);
            write.putByte(1, (byte)gsoType);
            write.putShort(2, (short)headers, ByteOrder.LITTLE_ENDIAN);
            write.putShort(4, (short)mss, ByteOrder.LITTLE_ENDIAN);
            write.putShort(6, (short)l4, ByteOrder.LITTLE_ENDIAN);
            write.putShort(8, (short)16, ByteOrder.LITTLE_ENDIAN);
            write.putBytes(10, frame);
            assertTrue(tap.write(write.addressOffset(), 10 + frame.length), "the TAP took super-frame " + c);

            final UnsafeBuffer source = new UnsafeBuffer(frame);
            final int segments = cutter.wrap(source, 0, frame.length, gsoType, mss);
            assertEquals((payload + mss - 1) / mss, segments, described.get(c));
            for (int i = 0; i < segments; i++)
            {
                final int length = cutter.cut(i, segment, 0);
                expected.add(Arrays.copyOf(segment.byteArray(), length));
                caseOf.add(c);
            }
        }

        final List<byte[]> linux = awaitFrames(pcap, expected.size());
        tcpdump.destroy();
        tcpdump.waitFor(5, TimeUnit.SECONDS);
        assertEquals(expected.size(), linux.size(), "segments Linux made of " + CASES + " super-frames");
        final HexFormat hex = HexFormat.of();
        for (int i = 0; i < expected.size(); i++)
        {
            final byte[] ours = expected.get(i);
            final byte[] theirs = linux.get(i);
            if (!Arrays.equals(ours, theirs))
            {
                fail("segment " + i + " of super-frame " + caseOf.get(i) + " (" + described.get(caseOf.get(i)) +
                    ") differs from Linux's at byte " + Arrays.mismatch(ours, theirs) + "\n ours  " +
                    hex.formatHex(ours, 0, Math.min(ours.length, 96)) + "\n Linux " +
                    hex.formatHex(theirs, 0, Math.min(theirs.length, 96)));
            }
        }
    }

    /**
     * A super-frame as a Linux sender's TSO hands it over: complete IP header (the IPv4 checksum too), the TCP
     * checksum field holding the pseudo-header sum over the whole TCP length (a partial checksum).
     */
    private static byte[] superFrame(final Random random, final boolean v6, final boolean tagged,
        final boolean options, final int tcpFlags, final int payload)
    {
        final int l3 = 14 + (tagged ? 4 : 0);
        final int l4 = l3 + (v6 ? 40 : 20);
        final int tcpHeader = options ? 32 : 20;
        final int length = l4 + tcpHeader + payload;
        final UnsafeBuffer b = new UnsafeBuffer(new byte[length]);
        final ByteOrder be = ByteOrder.BIG_ENDIAN;
        b.putShort(0, (short)(DESTINATION_MAC >>> 32), be);
        b.putInt(2, (int)DESTINATION_MAC, be);
        b.putShort(6, (short)(SOURCE_MAC >>> 32), be);
        b.putInt(8, (int)SOURCE_MAC, be);
        if (tagged)
        {
            b.putShort(12, (short)0x8100, be);
            b.putShort(14, (short)(1 + random.nextInt(4094)), be);
        }
        b.putShort(l3 - 2, (short)(v6 ? 0x86DD : 0x0800), be);
        final int tcpLength = tcpHeader + payload;
        long pseudo;
        if (v6)
        {
            b.putInt(l3, 0x6000_0000 | random.nextInt(1 << 20), be);
            b.putShort(l3 + 4, (short)tcpLength, be);
            b.putByte(l3 + 6, (byte)6);
            b.putByte(l3 + 7, (byte)64);
            b.putInt(l3 + 8, 0x2001_0db8, be);
            b.putInt(l3 + 20, random.nextInt(), be);
            b.putInt(l3 + 24, 0x2001_0db8, be);
            b.putInt(l3 + 36, random.nextInt(), be);
            pseudo = InternetChecksum.sum(b, l3 + 8, 32) + tcpLength + 6;
        }
        else
        {
            b.putByte(l3, (byte)0x45);
            b.putShort(l3 + 2, (short)(length - l3), be);
            b.putShort(l3 + 4, (short)random.nextInt(65_536), be);
            b.putShort(l3 + 6, (short)0x4000, be); // DF, as TCP sends
            b.putByte(l3 + 8, (byte)64);
            b.putByte(l3 + 9, (byte)6);
            b.putInt(l3 + 12, 0xC633_6400 | random.nextInt(256), be); // 198.51.100.x
            b.putInt(l3 + 16, 0xCB00_7100 | random.nextInt(256), be); // 203.0.113.x
            b.putShort(l3 + 10, (short)InternetChecksum.ipv4HeaderChecksum(b, l3, 20), be);
            pseudo = InternetChecksum.pseudoHeaderSum(b.getInt(l3 + 12, be), b.getInt(l3 + 16, be), 6, tcpLength);
        }
        b.putShort(l4, (short)(1024 + random.nextInt(60_000)), be);
        b.putShort(l4 + 2, (short)5201, be);
        b.putInt(l4 + 4, random.nextInt(), be);
        b.putInt(l4 + 8, random.nextInt(), be);
        b.putByte(l4 + 12, (byte)((tcpHeader / 4) << 4));
        b.putByte(l4 + 13, (byte)tcpFlags);
        b.putShort(l4 + 14, (short)(1 + random.nextInt(65_535)), be);
        if (options)
        {
            // NOP, NOP, timestamps: what Linux puts on every segment of a bulk flow.
            b.putInt(l4 + 20, 0x0101_080A, be);
            b.putInt(l4 + 24, random.nextInt(), be);
            b.putInt(l4 + 28, random.nextInt(), be);
        }
        for (int i = l4 + tcpHeader; i < length; i++)
        {
            b.putByte(i, (byte)random.nextInt());
        }
        b.putShort(l4 + 16, (short)InternetChecksum.fold(pseudo), be);
        return b.byteArray();
    }

    private static void awaitListening(final Process tcpdump) throws IOException
    {
        final StringBuilder said = new StringBuilder();
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline && tcpdump.isAlive())
        {
            while (tcpdump.getInputStream().available() > 0)
            {
                said.append((char)tcpdump.getInputStream().read());
            }
            if (said.indexOf("listening on") >= 0)
            {
                return;
            }
            Thread.onSpinWait();
        }
        fail("tcpdump did not start: " + said);
    }

    /** Frames in a classic pcap file, waiting up to 10 s for there to be {@code count} of them. */
    private static List<byte[]> awaitFrames(final Path pcap, final int count) throws Exception
    {
        List<byte[]> frames = List.of();
        final long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline)
        {
            frames = readPcap(pcap);
            if (frames.size() >= count)
            {
                Thread.sleep(200); // any extra frames show up too
                return readPcap(pcap);
            }
            Thread.sleep(50);
        }
        return frames;
    }

    private static List<byte[]> readPcap(final Path pcap) throws IOException
    {
        final ByteBuffer file = ByteBuffer.wrap(Files.readAllBytes(pcap)).order(ByteOrder.LITTLE_ENDIAN);
        final List<byte[]> frames = new ArrayList<>();
        if (file.remaining() < 24)
        {
            return frames;
        }
        assertEquals(0xA1B2C3D4, file.getInt(0), "a little-endian pcap file, microsecond stamps");
        file.position(24);
        while (file.remaining() >= 16)
        {
            file.position(file.position() + 8);
            final int captured = file.getInt();
            file.getInt();
            if (file.remaining() < captured)
            {
                break; // a record still being written
            }
            final byte[] frame = new byte[captured];
            file.get(frame);
            frames.add(frame);
        }
        return frames;
    }
}
