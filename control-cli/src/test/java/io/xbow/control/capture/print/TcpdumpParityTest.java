package io.xbow.control.capture.print;

import io.xbow.control.capture.file.CaptureTools;
import io.xbow.control.cli.CaptureCommand;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.TimeZone;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code xbow capture -r} against tcpdump 4.99 reading the same file, line for line: a file tcpdump itself wrote on
 * a veth (ARP, ICMP echo, ICMPv6 echo, neighbour discovery and MLDv2 reports with a hop-by-hop header, a TCP
 * connection with options, UDP), the same file as pcapng, and a crafted one (an 802.1Q-tagged frame, ICMP errors
 * quoting the packet they are about), with every printing option and with filters. Both print in UTC.
 */
class TcpdumpParityTest
{
    private static TimeZone zone;
    private static Path dir;

    @BeforeAll
    static void utc() throws Exception
    {
        zone = TimeZone.getDefault();
        TimeZone.setDefault(TimeZone.getTimeZone("UTC"));
        dir = Files.createTempDirectory("xbow-parity");
        for (final String name : List.of("tcpdump-written.pcap", "tcpdump-written.pcapng", "crafted.pcap"))
        {
            try (InputStream in = TcpdumpParityTest.class.getResourceAsStream("/capture/" + name))
            {
                Files.copy(in, dir.resolve(name), StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    @AfterAll
    static void restore() throws Exception
    {
        TimeZone.setDefault(zone);
        try (Stream<Path> files = Files.list(dir))
        {
            for (final Path file : files.toList())
            {
                Files.delete(file);
            }
        }
        Files.delete(dir);
    }

    static Stream<String[]> cases()
    {
        final List<String[]> cases = new ArrayList<>();
        for (final String file : List.of("tcpdump-written.pcap", "tcpdump-written.pcapng", "crafted.pcap"))
        {
            for (final String options : List.of("", "-e", "-q", "-v", "-e -v", "-x", "-xx", "-X", "-XX", "-A", "-t",
                "-tt", "-ttt", "-tttt", "-ttttt", "-q -e -tttt", "-c 5 -X", "icmp or arp", "-v ip6", "-e vlan",
                "tcp[tcpflags] & tcp-syn != 0", "-x udp"))
            {
                cases.add(new String[] {file, options});
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void shouldPrintWhatTcpdumpPrints(final String file, final String options) throws Exception
    {
        CaptureTools.require("tcpdump");
        final List<String> args = new ArrayList<>();
        final List<String> filter = new ArrayList<>();
        final String[] words = options.isEmpty() ? new String[0] : options.split(" ");
        for (int i = 0; i < words.length; i++)
        {
            if (words[i].startsWith("-"))
            {
                args.add(words[i]);
                if (words[i].equals("-c"))
                {
                    args.add(words[++i]);
                }
            }
            else
            {
                filter.add(words[i]);
            }
        }
        final List<String> tcpdump = new ArrayList<>(List.of("tcpdump", "-nn", "-r", dir.resolve(file).toString()));
        tcpdump.addAll(args);
        tcpdump.addAll(filter);
        final ProcessBuilder builder = new ProcessBuilder(tcpdump);
        builder.environment().put("TZ", "UTC");
        final Process process = builder.redirectError(ProcessBuilder.Redirect.DISCARD).start();
        final String expected = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, process.exitValue(), "tcpdump " + options);

        final List<String> ours = new ArrayList<>(List.of("-r", dir.resolve(file).toString(), "-nn"));
        ours.addAll(args);
        ours.addAll(filter);
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        assertEquals(0, CaptureCommand.run(null, new PrintWriter(out), new PrintWriter(err), null,
            ours.toArray(new String[0])), err.toString());
        assertEquals(expected, out.toString());
        assertTrue(err.toString().startsWith("reading from file " + dir.resolve(file) + ", link-type EN10MB " +
            "(Ethernet), snapshot length "), err.toString());
    }

    @Test
    void shouldSayWhatIsWrongWithAFileOrAnOption() throws Exception
    {
        final Path cut = dir.resolve("cut.pcap");
        final byte[] whole = Files.readAllBytes(dir.resolve("tcpdump-written.pcap"));
        Files.write(cut, java.util.Arrays.copyOf(whole, whole.length - 7));
        final StringWriter out = new StringWriter();
        final StringWriter err = new StringWriter();
        assertEquals(1, CaptureCommand.run(null, new PrintWriter(out), new PrintWriter(err), null,
            new String[] {"-r", cut.toString()}));
        assertTrue(err.toString().contains("cut short"), err.toString());
        assertEquals(24, out.toString().lines().count(), "every whole frame before the damaged last one is printed");

        final Path text = dir.resolve("not.pcap");
        Files.writeString(text, "hello, this is not a capture");
        final StringWriter err2 = new StringWriter();
        assertEquals(1, CaptureCommand.run(null, new PrintWriter(new StringWriter()), new PrintWriter(err2), null,
            new String[] {"-r", text.toString()}));
        assertTrue(err2.toString().contains("not a pcap or pcapng file"), err2.toString());

        final StringWriter err3 = new StringWriter();
        assertEquals(2, CaptureCommand.run(null, new PrintWriter(new StringWriter()), new PrintWriter(err3), null,
            new String[] {"-r", text.toString(), "-vv"}));
        assertTrue(err3.toString().contains("-vv is not supported"), err3.toString());
        final StringWriter err4 = new StringWriter();
        assertEquals(1, CaptureCommand.run(null, new PrintWriter(new StringWriter()), new PrintWriter(err4), null,
            new String[] {"-r", dir.resolve("nosuch.pcap").toString()}));
        assertTrue(err4.toString().contains("No such file or directory"), err4.toString());
    }
}
