package io.xbow.control;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code xbow completion} in a real bash: xl's subcommands, options, domain names (from {@code xl list}) and
 * config files; xbow capture's links (from {@code xbow capture -D}) and options; dladm's still there. The daemon is
 * stood in for by shell functions that print what {@code xl list} and {@code xbow capture -D} print.
 */
class CompletionTest
{
    @TempDir
    Path dir;

    private String complete(final Path script, final String line) throws Exception
    {
        final String program = String.join("\n",
            "source " + script,
            "xl() { printf 'Name                                        ID   Mem VCPUs\\tState\\tTime(s)\\n" +
                "Domain-0                                     0 24105     2     r-----      12.3\\n" +
                "web                                          1   512     2     -b----       4.0\\n" +
                "db                                           2   512     1     -b----       2.0\\n'; }",
            "xbow() { if [ \"$1 $2\" = 'capture -D' ]; then printf '1.stub0\\n2.vnic1\\n3.xvm1_0\\n'; fi; }",
            "cd " + dir,
            "read -r -a COMP_WORDS <<< '" + line + "'",
            line.endsWith(" ") ? "COMP_WORDS+=('')" : ":",
            "COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))",
            "case ${COMP_WORDS[0]} in xl) _xbow_xl ;; xbow) _xbow ;; dladm) _complete_dladm ;; *adm|ipnat) _xbow_l3 ;; esac",
            "printf '%s\\n' \"${COMPREPLY[@]}\" | sort | tr '\\n' ' '");
        final Process bash = new ProcessBuilder("bash", "-c", program).redirectErrorStream(true).start();
        final String out = new String(bash.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertTrue(bash.waitFor(10, TimeUnit.SECONDS));
        return out;
    }

    @Test
    void shouldCompleteXlAndCaptureFromTheDaemonsNamesAndDladmAsBefore() throws Exception
    {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/bin/bash")), "needs bash");
        final ByteArrayOutputStream printed = new ByteArrayOutputStream();
        final PrintStream stdout = System.out;
        System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
        try
        {
            assertEquals(0, XbowMain.run(new String[] {"completion"}));
        }
        finally
        {
            System.setOut(stdout);
        }
        final Path script = dir.resolve("xbow.bash");
        Files.write(script, printed.toByteArray());
        Files.writeString(dir.resolve("web.cfg"), "name = 'web'\n");

        assertEquals("shutdown", complete(script, "xl shut"));
        assertEquals("db web", complete(script, "xl destroy "), "guests, never Domain-0");
        assertEquals("--all --wait -F -a -w", complete(script, "xl shutdown -"));
        assertEquals("web.cfg", complete(script, "xl create we"));
        assertEquals("web.cfg", complete(script, "xl create -p -f we"));
        assertEquals("", complete(script, "xl destroy web "), "one domain only");
        assertEquals("stub0", complete(script, "xbow capture -i st"));
        assertEquals("any stub0 vnic1 xvm1_0", complete(script, "xbow capture -i "));
        assertEquals("-x -xx", complete(script, "xbow capture -x"));
        assertEquals("in inout", complete(script, "xbow capture -i stub0 -Q in"));
        assertEquals("db web", complete(script, "xbow --socket /tmp/s xl pause "));
        assertTrue(complete(script, "dladm show-").contains("show-vnic"), "dladm's completion is still there");
        assertEquals("show-addr show-if", complete(script, "ipadm show-"));
        assertEquals("show-addr show-if", complete(script, "xbow ipadm show-"));
        assertEquals("delete", complete(script, "xbow route -p del"));
        assertEquals("", complete(script, "xbow route add "), "after the command: a destination");
        assertEquals("ipv4-forwarding", complete(script, "routeadm -e "));
        assertEquals("show-lease show-pool", complete(script, "dhcpadm show-"));
        assertEquals("web.cfg", complete(script, "xbow ipnat -f we"));
    }
}
