package io.xbow.control;

import io.xbow.control.api.Backend;
import io.xbow.control.cli.XlCommand;
import io.xbow.control.service.Table;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * xl's output, byte for byte, from fixed answers: what scripts written for xl parse.
 */
class XlOutputTest
{
    private static final Backend FIXED = (command, args) ->
    {
        switch (command)
        {
            case "list":
                return new Table(List.of("NAME", "ID", "MEM", "VCPUS", "STATE", "TIME"), List.of(
                    List.of("Domain-0", "0", "24105", "2", "r-----", "12.3"),
                    List.of("web", "1", "512", "2", "--p---", "4.0")));
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

    @Test
    void shouldPrintXlColumns()
    {
        assertEquals(
            "Name                                        ID   Mem VCPUs\tState\tTime(s)\n" +
            "Domain-0                                     0 24105     2     r-----      12.3\n" +
            "web                                          1   512     2     --p---       4.0\n", xl("list"));
        assertEquals(
            "Idx BE Mac Addr.         handle state evt-ch   tx-/rx-ring-ref BE-path                       \n" +
            "0   0  00:16:3e:00:00:0a 0      4     1          0/1           /local/domain/0/backend/vif/1/0\n",
            xl("network-list", "web"));
        assertEquals(
            "Name                                ID Uptime\n" +
            "web                                  1 1 day, 1:01:01\n", xl("uptime", "web"));
        assertEquals("web                                  1 1 day, 1:01:01\n", xl("uptime", "-s", "web"));
    }
}
