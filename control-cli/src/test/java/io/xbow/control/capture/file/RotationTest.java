package io.xbow.control.capture.file;

import io.xbow.control.capture.CaptureFrames;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Rotation as tcpdump does it: -C by size against tcpdump itself, -G by the frames' time, and both together.
 */
class RotationTest
{
    private static final long START_SECONDS = 1_700_000_000L; // 2023-11-14 22:13:20 UTC
    private static final Clock CLOCK = Clock.fixed(Instant.ofEpochSecond(START_SECONDS), ZoneOffset.UTC);
    private static final byte[] BIG = CaptureFrames.named().get("big udp");

    @TempDir
    Path dir;

    private CaptureFileOptions options(final String name, final int seconds, final int megabytes, final int count)
    {
        return CaptureFileOptions.of(dir.resolve(name).toString(), false, List.of("vif3.0")).withClock(CLOCK)
            .withRotation(seconds, megabytes, count);
    }

    private static void writeFrames(final CaptureWriter writer, final int frames, final long second)
        throws IOException
    {
        for (int i = 0; i < frames; i++)
        {
            writer.write(0, CaptureWriter.IN, second * 1_000_000_000L + i * 1000L, BIG.length, BIG, 0, BIG.length);
        }
    }

    private Map<String, Long> files(final String prefix) throws IOException
    {
        try (Stream<Path> list = Files.list(dir))
        {
            return list.filter(p -> p.getFileName().toString().startsWith(prefix))
                .collect(Collectors.toMap(p -> p.getFileName().toString(), p -> p.toFile().length(), (a, b) -> a,
                    TreeMap::new));
        }
    }

    private int frames(final String name) throws Exception
    {
        return CaptureTools.tcpdump(dir.resolve(name)).size();
    }

    @Test
    void shouldRotateBySizeIntoNumberedFilesAsTcpdumpDoes() throws Exception
    {
        try (CaptureWriter writer = CaptureFiles.open(options("out", 0, 1, 0), null))
        {
            writeFrames(writer, 2000, START_SECONDS);
            assertFalse(writer.finished());
        }
        assertEquals(Map.of("out", 1_000_212L, "out1", 1_000_212L, "out2", 915_648L), files("out"));
        assertEquals(686, frames("out"));
        assertEquals(686, frames("out1"));
        assertEquals(628, frames("out2"));
    }

    @Test
    void shouldReuseZeroPaddedNamesAsARingWithAFileCount() throws Exception
    {
        try (CaptureWriter writer = CaptureFiles.open(options("ring", 0, 1, 11), null))
        {
            writeFrames(writer, 686 * 12 + 5, START_SECONDS);
            assertFalse(writer.finished());
        }
        final Map<String, Long> files = files("ring");
        assertEquals(11, files.size(), files.toString());
        assertTrue(files.containsKey("ring00") && files.containsKey("ring10"), files.toString());
        assertEquals(686, frames("ring00"));
        assertEquals(5, frames("ring01"), "the 13th file reuses ring01");
        assertEquals(686, frames("ring10"));
        for (final String name : files.keySet())
        {
            assertEquals("rw-------",
                PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(name))), name);
        }
    }

    @Test
    void shouldMakeTheSameFilesAsTcpdumpRotatingBySize() throws Exception
    {
        final Path input = dir.resolve("in.pcap");
        try (CaptureWriter writer = CaptureFiles.open(
            CaptureFileOptions.of(input.toString(), false, List.of("vif3.0")), null))
        {
            writeFrames(writer, 2000, START_SECONDS);
        }
        for (final int count : new int[]{ 0, 1, 3 })
        {
            final String theirs = "tcpdump" + count + "-";
            final String ours = "xbow" + count + "-";
            CaptureTools.run(count == 0 ?
                new String[]{ "tcpdump", "-Z", "root", "-r", input.toString(), "-w", dir.resolve(theirs).toString(),
                    "-C", "1" } :
                new String[]{ "tcpdump", "-Z", "root", "-r", input.toString(), "-w", dir.resolve(theirs).toString(),
                    "-C", "1", "-W", Integer.toString(count) });
            try (CaptureWriter writer = CaptureFiles.open(options(ours, 0, 1, count), null))
            {
                writeFrames(writer, 2000, START_SECONDS);
            }
            final Map<String, Long> tcpdumpFiles = files(theirs);
            final Map<String, Long> xbowFiles = files(ours);
            assertEquals(tcpdumpFiles.keySet().stream().map(n -> n.substring(theirs.length())).toList(),
                xbowFiles.keySet().stream().map(n -> n.substring(ours.length())).toList(), "-W " + count);
            for (final String name : tcpdumpFiles.keySet())
            {
                assertArrayEquals(Files.readAllBytes(dir.resolve(name)),
                    Files.readAllBytes(dir.resolve(ours + name.substring(theirs.length()))), name);
            }
        }
    }

    @Test
    void shouldRotateByTimeIntoStrftimeNamesAndFinishAfterTheFileCount() throws Exception
    {
        final CaptureWriter writer = CaptureFiles.open(options("cap-%Y%m%d-%H%M%S.pcap", 10, 0, 3), null);
        writeFrames(writer, 2, START_SECONDS);
        writeFrames(writer, 1, START_SECONDS + 5);
        writeFrames(writer, 1, START_SECONDS + 10);
        writeFrames(writer, 1, START_SECONDS + 19);
        writeFrames(writer, 3, START_SECONDS + 25);
        assertFalse(writer.finished());
        writeFrames(writer, 1, START_SECONDS + 35);
        assertTrue(writer.finished(), "-G 10 -W 3 ends with the fourth period");
        writeFrames(writer, 1, START_SECONDS + 36);
        writer.close();
        assertEquals(List.of("cap-20231114-221320.pcap", "cap-20231114-221330.pcap", "cap-20231114-221345.pcap"),
            List.copyOf(files("cap-").keySet()));
        assertEquals(3, frames("cap-20231114-221320.pcap"));
        assertEquals(2, frames("cap-20231114-221330.pcap"));
        assertEquals(3, frames("cap-20231114-221345.pcap"));
    }

    @Test
    void shouldNameTimeRotatedFilesInTheClocksZone() throws Exception
    {
        final CaptureFileOptions options = options("z-%F_%H.%M.%S_%j", 60, 0, 0)
            .withClock(Clock.fixed(Instant.ofEpochSecond(START_SECONDS), ZoneId.of("Asia/Kolkata")));
        try (CaptureWriter writer = CaptureFiles.open(options, null))
        {
            writeFrames(writer, 1, START_SECONDS + 59);
            writeFrames(writer, 1, START_SECONDS + 61);
            assertFalse(writer.finished());
        }
        assertEquals(List.of("z-2023-11-15_03.43.20_319", "z-2023-11-15_03.44.21_319"),
            List.copyOf(files("z-").keySet()));
    }

    @Test
    void shouldCombineTimeAndSizeAsTcpdumpDoes() throws Exception
    {
        try (CaptureWriter writer = CaptureFiles.open(options("both-%H%M%S-", 10, 1, 2), null))
        {
            writeFrames(writer, 1500, START_SECONDS);
            writeFrames(writer, 1, START_SECONDS + 10);
            writeFrames(writer, 1, START_SECONDS + 100);
            assertFalse(writer.finished(), "with -C, -W bounds the ring and never ends the capture");
        }
        final Map<String, Long> files = files("both-");
        assertEquals(List.of("both-221320-0", "both-221320-1", "both-221330-0", "both-221500-0"),
            List.copyOf(files.keySet()));
        assertEquals(1500 - 2 * 686, frames("both-221320-0"), "the ring came back to -0");
        assertEquals(686, frames("both-221320-1"));
        assertEquals(1, frames("both-221330-0"));
        assertEquals(1, frames("both-221500-0"));
    }

    @Test
    void shouldFormatStrftimeConversions()
    {
        final Instant t = Instant.ofEpochSecond(START_SECONDS);
        assertEquals("2023-11-14 22:13:20 Tue Nov 318 1700000000 23 10 PM %q 100%",
            Strftime.format("%Y-%m-%d %T %a %b %j %s %y %I %p %q 100%%", t, ZoneOffset.UTC));
        assertEquals(Arrays.asList("14", " 9"), Arrays.asList(
            Strftime.format("%d", t, ZoneOffset.UTC), Strftime.format("%e", Instant.ofEpochSecond(1_694_300_000L),
                ZoneOffset.UTC)));
    }
}
