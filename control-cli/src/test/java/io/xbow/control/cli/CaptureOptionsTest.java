package io.xbow.control.cli;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code xbow capture}'s command line, read by picocli as tcpdump's habits write it: clustered letters, values
 * attached or apart, options after the expression, {@code --} ending options, and no {@code @FILE} expansion.
 */
class CaptureOptionsTest
{
    @Test
    void tcpdumpHabitsShouldParse()
    {
        final CaptureCommand.Options o = CaptureCommand.parse(new String[] {"-nnei", "vif1.0", "-c10", "-s", "96",
            "tcp", "port", "80", "-i", "stub0,vif2.0", "-Q", "in"});
        assertEquals(List.of("vif1.0", "stub0", "vif2.0"), o.links());
        assertEquals(10, o.count());
        assertEquals(96, o.snaplen());
        assertEquals("in", o.direction());
        assertEquals("tcp port 80", o.filter());

        final CaptureCommand.Options w = CaptureCommand.parse(new String[] {"-i", "vif1.0", "-U", "-w", "-", "--",
            "-weird"});
        assertEquals("-", w.file());
        assertTrue(w.packetBuffered());
        assertEquals("-weird", w.filter(), "after --, everything is expression");
        assertTrue(CaptureCommand.parse(new String[] {"-D"}).list());
    }

    @Test
    void badCommandLinesShouldBeRefusedWithTheReason()
    {
        assertRefused("Unknown option: '-z'", "-i", "vif1.0", "-z");
        assertRefused("Missing required parameter for option '-c'", "-i", "vif1.0", "-c");
        assertRefused("invalid number 'ten' for -c", "-i", "vif1.0", "-c", "ten");
        assertRefused("invalid value '0' for -c: 1 to 2147483647", "-i", "vif1.0", "-c", "0");
        assertRefused("invalid direction 'sideways' for -Q: use in, out or inout", "-i", "vif1.0", "-Q", "sideways");
        assertRefused("name a link with -i", "tcp");
        assertRefused("--pcapng, -G, -C and -W need -w FILE", "-i", "vif1.0", "--pcapng");
        // An argument is never a file to read: @FILE stays a word of the expression (the daemon may parse this).
        assertEquals("@/etc/shadow", CaptureCommand.parse(new String[] {"-i", "vif1.0", "@/etc/shadow"}).filter());
    }

    private static void assertRefused(final String message, final String... argv)
    {
        final UsageException ex = assertThrows(UsageException.class, () -> CaptureCommand.parse(argv));
        assertTrue(ex.getMessage().startsWith(message), ex.getMessage());
    }
}
