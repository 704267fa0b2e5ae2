package io.xbow.control.capture.file;

import io.xbow.control.capture.CaptureFrames;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * pcap and pcapng files as tcpdump and tshark read them.
 */
class CaptureFilesTest
{
    private static final long T0 = 1_700_000_000_123_456_789L;
    private static final Map<String, byte[]> FRAMES = CaptureFrames.named();

    @TempDir
    Path dir;

    private static void writeSample(final CaptureWriter writer) throws IOException
    {
        write(writer, 0, CaptureWriter.IN, T0, FRAMES.get("tcp syn 80"));
        write(writer, 1, CaptureWriter.OUT, T0 + 1_000, FRAMES.get("vlan 100 udp"));
        write(writer, 0, 0, T0 + 2_000_000_001L, FRAMES.get("arp request"));
        write(writer, 1, CaptureWriter.IN, T0 + 3_000_000_000L, FRAMES.get("ipv6 udp 1500"));
        write(writer, 0, CaptureWriter.OUT, T0 + 3_000_000_001L, FRAMES.get("big udp"));
    }

    private static void write(
        final CaptureWriter writer, final int link, final int direction, final long timestampNs, final byte[] frame)
        throws IOException
    {
        final byte[] padded = new byte[frame.length + 7];
        System.arraycopy(frame, 0, padded, 3, frame.length);
        writer.write(link, direction, timestampNs, frame.length, padded, 3, frame.length);
    }

    @Test
    void shouldWriteAPcapFileThatTcpdumpReads() throws Exception
    {
        final Path file = dir.resolve("out.pcap");
        try (CaptureWriter writer = CaptureFiles.open(
            CaptureFileOptions.of(file.toString(), false, List.of("vif3.0", "vif4.0")).withSnaplen(128), null))
        {
            writeSample(writer);
        }
        final List<String> lines = CaptureTools.run("tcpdump", "-tt", "-nn", "-e", "-r", file.toString());
        assertEquals(5, lines.size(), String.join("\n", lines));
        assertTrue(lines.get(0).startsWith("1700000000.123456 00:16:3e:00:00:01 > 00:16:3e:00:00:02, ethertype IPv4"),
            lines.get(0));
        assertTrue(lines.get(0).contains("10.0.0.1.40000 > 10.0.0.2.80: Flags [S]"), lines.get(0));
        assertTrue(lines.get(1).startsWith("1700000000.123457 "), lines.get(1));
        assertTrue(lines.get(1).contains("vlan 100, p 0, ethertype IPv4"), lines.get(1));
        assertTrue(lines.get(1).contains("10.0.0.1.4000 > 10.0.0.2.1200: UDP"), lines.get(1));
        assertTrue(lines.get(2).startsWith("1700000002.123456 00:16:3e:00:00:01 > ff:ff:ff:ff:ff:ff"), lines.get(2));
        assertTrue(lines.get(2).contains("Request who-has 10.0.0.2 tell 10.0.0.1"), lines.get(2));
        assertTrue(lines.get(3).contains("ethertype IPv6"), lines.get(3));
        assertTrue(lines.get(3).contains("fd00::1.40000 > fd00::2.1500: UDP, length 100"), lines.get(3));
        assertTrue(lines.get(4).contains("length 1442"), lines.get(4));
        final List<String> fields = CaptureTools.tshark(file, "frame.len", "frame.cap_len", "frame.time_epoch");
        assertEquals("1442|128|1700000003.123456000", fields.get(4));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    }

    @Test
    void shouldWriteAPcapngFileWithInterfacesNanosecondsAndDirections() throws Exception
    {
        final Path file = dir.resolve("out.pcapng");
        try (CaptureWriter writer = CaptureFiles.open(
            CaptureFileOptions.of(file.toString(), true, List.of("vif3.0", "vif4.0")).withSnaplen(128), null))
        {
            writeSample(writer);
        }
        assertEquals(5, CaptureTools.tcpdump(file).size());
        final List<String> fields = CaptureTools.tshark(file, "eth.src", "eth.dst", "vlan.id", "ip.src", "ip.dst",
            "tcp.dstport", "udp.dstport", "frame.interface_name", "frame.time_epoch", "frame.packet_flags_direction",
            "frame.len", "frame.cap_len", "ipv6.dst");
        assertEquals(List.of(
            "00:16:3e:00:00:01|00:16:3e:00:00:02||10.0.0.1|10.0.0.2|80||vif3.0|1700000000.123456789|0x00000001|54|54|",
            "00:16:3e:00:00:01|00:16:3e:00:00:02|100|10.0.0.1|10.0.0.2||1200|vif4.0|1700000000.123457789|0x00000002|"
                + "66|66|",
            "00:16:3e:00:00:01|ff:ff:ff:ff:ff:ff||||||vif3.0|1700000002.123456790||42|42|",
            "00:16:3e:00:00:01|00:16:3e:00:00:02|||||1500|vif4.0|1700000003.123456789|0x00000001|162|128|fd00::2",
            "00:16:3e:00:00:01|00:16:3e:00:00:02||10.0.0.1|10.0.0.2||2000|vif3.0|1700000003.123456790|0x00000002|"
                + "1442|128|"),
            fields);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    }

    @Test
    void shouldStreamLiveIntoTcpdumpReadingAPipe() throws Exception
    {
        CaptureTools.require("tcpdump");
        final Process tcpdump = new ProcessBuilder("tcpdump", "-nn", "-l", "-r", "-")
            .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try
        {
            final OutputStream pipe = tcpdump.getOutputStream();
            final CaptureWriter writer = CaptureFiles.open(CaptureFileOptions.of("-", false, List.of("vif3.0")), pipe);
            final var output = new java.io.BufferedReader(new java.io.InputStreamReader(tcpdump.getInputStream()));
            write(writer, 0, CaptureWriter.IN, T0, FRAMES.get("tcp syn 80"));
            writer.flush();
            final String first = output.readLine();
            assertTrue(first != null && first.contains("10.0.0.1.40000 > 10.0.0.2.80: Flags [S]"), first);
            write(writer, 0, CaptureWriter.IN, T0 + 1, FRAMES.get("arp reply"));
            writer.flush();
            final String second = output.readLine();
            assertTrue(second != null && second.contains("ARP, Reply 10.0.0.2 is-at 00:16:3e:00:00:02"), second);
            writer.close();
            pipe.close();
            assertEquals(null, output.readLine());
            assertEquals(0, tcpdump.waitFor());
        }
        finally
        {
            tcpdump.destroy();
        }
    }

    @Test
    void shouldCreateFilesOwnerOnlyEvenOverAnOpenOne() throws Exception
    {
        final Path file = dir.resolve("old.pcap");
        Files.writeString(file, "old contents that are longer than a pcap header and one frame .....................");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        try (CaptureWriter writer =
            CaptureFiles.open(CaptureFileOptions.of(file.toString(), false, List.of("a")), null))
        {
            write(writer, 0, 0, T0, FRAMES.get("udp 53"));
        }
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertEquals(24 + 16 + FRAMES.get("udp 53").length, Files.size(file));
    }

    @Test
    void shouldRefuseAnUnknownLinkInPcapng() throws Exception
    {
        final Path file = dir.resolve("x.pcapng");
        try (CaptureWriter writer =
            CaptureFiles.open(CaptureFileOptions.of(file.toString(), true, List.of("a")), null))
        {
            assertThrows(IllegalArgumentException.class, () -> write(writer, 1, 0, T0, FRAMES.get("udp 53")));
        }
    }
}
