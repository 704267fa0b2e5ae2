package io.xbow.control;

import io.xbow.control.api.Backend;
import io.xbow.control.cli.XlCommand;
import io.xbow.control.service.Table;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * xl's output, byte for byte, from fixed answers: what scripts written for xl parse.
 */
class XlOutputTest
{
    private static final List<String> CALLS = new java.util.ArrayList<>();
    private static final Backend FIXED = (command, args) ->
    {
        switch (command)
        {
            case "list":
                if (args.containsKey("long"))
                {
                    return new Table(List.of("NAME", "ID", "MEM", "VCPUS", "STATE", "TIME", "UUID"), List.of(
                        List.of("Domain-0", "0", "24105", "2", "r-----", "12.3", "00000000-0000-0000-0000-000000000000"),
                        List.of("web", "1", "512", "2", "--p---", "4.0", "6f1c1e34-2c5f-4f57-9d0c-1b8b7d0b8a11")));
                }
                return new Table(List.of("NAME", "ID", "MEM", "VCPUS", "STATE", "TIME"), List.of(
                    List.of("Domain-0", "0", "24105", "2", "r-----", "12.3"),
                    List.of("web", "1", "512", "2", "--p---", "4.0"),
                    List.of("db", "2", "256", "1", "r-----", "1.0")));
            case "domid":
                return new Table(List.of("DOMID"), List.of(List.of(
                    Map.of("web", "1", "db", "2", "Domain-0", "0").getOrDefault((String)args.get("domain"),
                    (String)args.get("domain")))));
            case "shutdown":
            case "reboot":
            case "destroy":
                CALLS.add(command + " " + args.get("domain"));
                return null;
            case "network-list":
                return new Table(List.of("IDX", "BE", "MAC", "HANDLE", "STATE", "EVTCH", "TXREF", "RXREF", "BEPATH"),
                    List.of(List.of("0", "0", "00:16:3e:00:00:0a", "0", "4", "1", "0", "1",
                        "/local/domain/0/backend/vif/1/0")));
            case "uptime":
                return new Table(List.of("NAME", "ID", "UPTIME"), List.of(List.of("web", "1", "90061")));
            default:
                throw new AssertionError(command);
        }
    };

    private static String xl(final String... argv)
    {
        final StringWriter out = new StringWriter();
        assertEquals(0, XlCommand.run(FIXED, new PrintWriter(out), new PrintWriter(new StringWriter()), argv));
        return out.toString();
    }

    /** Standard error, for a command that answers there. */
    private static String xlErr(final int status, final String... argv)
    {
        final StringWriter err = new StringWriter();
        assertEquals(status, XlCommand.run(FIXED, new PrintWriter(new StringWriter()), new PrintWriter(err), argv));
        return err.toString();
    }

    @Test
    void shouldPrintUuidsReasonAndLabelWithV()
    {
        assertEquals(
            "Name                                        ID   Mem VCPUs\tState\tTime(s)   UUID                      " +
                "      Reason-Code\tSecurity Label\n" +
            "Domain-0                                     0 24105     2     r-----      12.3 " +
                "00000000-0000-0000-0000-000000000000        -                -\n" +
            "web                                          1   512     2     --p---       4.0 " +
                "6f1c1e34-2c5f-4f57-9d0c-1b8b7d0b8a11        -                -\n", xl("list", "-v"));
        assertEquals(xl("list", "-v"), xl("list", "--verbose"));
    }

    @Test
    void shouldShutDownEveryGuestWithAAndSayWhatXlSays()
    {
        CALLS.clear();
        assertEquals("Shutting down domain 1\nShutting down domain 2\nWaiting for 2 domains\n" +
            "Domain 1 has been shut down, reason code 0\nDomain 2 has been shut down, reason code 0\n",
            xlErr(0, "shutdown", "-a", "-w"));
        assertEquals(List.of("shutdown 1", "shutdown 2"), CALLS, "every guest, never Domain-0");
        assertEquals("Rebooting domain 1\n", xlErr(0, "reboot", "-F", "web"));
        assertEquals("xl: You must specify -a or a domain id.\n", xlErr(1, "shutdown"));
        assertEquals("xl: Destroying domid 0 is not permitted.\n", xlErr(1, "destroy", "Domain-0"));
        CALLS.clear();
        xlErr(0, "destroy", "-f", "web");
        assertEquals(List.of("destroy web"), CALLS);
    }

    @Test
    void shouldPrintXlColumns()
    {
        assertEquals(
            "Name                                        ID   Mem VCPUs\tState\tTime(s)\n" +
            "Domain-0                                     0 24105     2     r-----      12.3\n" +
            "web                                          1   512     2     --p---       4.0\n" +
            "db                                           2   256     1     r-----       1.0\n", xl("list"));
        assertEquals(
            "Idx BE Mac Addr.         handle state evt-ch   tx-/rx-ring-ref BE-path                       \n" +
            "0   0  00:16:3e:00:00:0a 0      4     1          0/1           /local/domain/0/backend/vif/1/0\n",
            xl("network-list", "web"));
        assertEquals(
            "Name                                ID Uptime\n" +
            "web                                  1 1 day,  1:01:01\n", xl("uptime", "web"));
        assertTrue(xl("uptime", "-s", "web").matches(" \\d\\d:\\d\\d:\\d\\d up 1 day,  1:01, web \\(1\\)\n"),
            xl("uptime", "-s", "web"));
    }
}
