package io.xbow.control;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Wrong arguments get one line naming the problem, exit 1 (refused) or 2 (usage), and change nothing.
 */
class DladmCommandTest
{
    private final InProcess x = new InProcess(null);

    @AfterEach
    void tearDown()
    {
        x.close();
    }

    private void refused(final int status, final String message, final String... argv)
    {
        final int before = x.registry.links().size();
        assertEquals(status, x.dladm(argv), String.join(" ", argv));
        assertEquals(message + "\n", x.err);
        assertEquals("", x.out);
        assertEquals(before, x.registry.links().size(), "nothing changed");
    }

    @Test
    void shouldAnswerBadInputWithOneLine()
    {
        assertEquals(0, x.dladm("create-etherstub", "stub0"));
        refused(1, "dladm: invalid link name 'x': must end with a number", "create-etherstub", "x");
        refused(1, "dladm: object already exists: link stub0", "create-etherstub", "stub0");
        refused(1, "dladm: link nosuch0 not found", "create-vnic", "-l", "nosuch0", "vnic1");
        refused(1, "dladm: invalid VLAN id 4095: must be 1-4094 (4095 is reserved)",
            "create-vnic", "-l", "stub0", "-v", "4095", "vnic1");
        refused(1, "dladm: invalid MAC address '0:16:3e:zz:0:1'", "create-vnic", "-l", "stub0", "-m",
            "0:16:3e:zz:0:1", "vnic1");
        refused(1, "dladm: invalid maxbw 'fast': must be a number of megabits per second, or a number with K, M or " +
            "G (for example 200M, 1500K, 1G), from 100K to 1000G", "create-vnic", "-l", "stub0", "-p", "maxbw=fast",
            "vnic1");
        refused(2, "dladm: Missing required option: '--link=link'", "create-vnic", "vnic1");
        refused(2, "dladm: Unknown option: '-q'", "show-link", "-q");
        refused(2, "dladm: -f requires -v", "create-vnic", "-l", "stub0", "-f", "vnic1");
        refused(2, "dladm: Unmatched argument at index 0: 'frobnicate'", "frobnicate");
        refused(1, "dladm: link nosuch0 not found", "show-link", "nosuch0");
        refused(1, "dladm: cannot set link property 'state' on stub0: it is read-only",
            "set-linkprop", "-p", "state=down", "stub0");
    }

    @Test
    void shouldRunTheChangeCommands()
    {
        assertEquals(0, x.dladm("create-etherstub", "stub0"));
        assertEquals(0, x.dladm("create-vnic", "-l", "stub0", "-p", "protection=mac-nospoof,ip-nospoof,maxbw=10M",
            "vnic1"));
        assertEquals(0, x.dladm("show-linkprop", "-c", "-o", "value", "-p", "protection", "vnic1"));
        assertEquals("mac-nospoof,ip-nospoof\n", x.out, "a comma-separated value inside -p");
        assertEquals(0, x.dladm("set-linkprop", "-p", "allowed-ips=10.0.0.2,10.0.1.0/24", "vnic1"));
        assertEquals(0, x.dladm("reset-linkprop", "-p", "maxbw", "vnic1"));
        assertEquals(0, x.dladm("show-linkprop", "-c", "-o", "property,value", "-p", "maxbw,allowed-ips", "vnic1"));
        assertEquals("maxbw:--\nallowed-ips:10.0.0.2,10.0.1.0/24\n", x.out);
        assertEquals(0, x.dladm("modify-vnic", "-v", "20", "vnic1"));
        assertEquals(0, x.dladm("rename-link", "vnic1", "web0"));
        assertEquals(0, x.dladm("show-vnic", "-p", "-o", "link,vid"));
        assertEquals("web0:20\n", x.out);
        assertEquals(1, x.dladm("delete-etherstub", "stub0"));
        assertEquals("dladm: link busy: web0 is over stub0; delete it first\n", x.err);
        assertEquals(0, x.dladm("delete-vnic", "web0"));
        assertEquals(0, x.dladm("delete-etherstub", "stub0"));
        assertEquals(0, x.dladm("show-link"));
        assertEquals("LINK        CLASS     MTU    STATE    BRIDGE     OVER\n", x.out);
    }
}
