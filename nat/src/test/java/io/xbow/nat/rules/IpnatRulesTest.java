package io.xbow.nat.rules;

import io.xbow.packet.address.Ipv4Address;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** ipnat.conf's grammar as xbow reads it: the rules, printed back as ipnat -l lists them, and the refusals. */
class IpnatRulesTest
{
    @Test
    void shouldReadMapRdrAndBimapAndPrintThemBack()
    {
        final List<IpnatRules.Rule> rules = IpnatRules.parse(String.join("\n",
            "# the guests' network, masqueraded",
            "map net0 10.0.0.0/8 -> 0/32 portmap tcp/udp auto",
            "map net0 10.0.0.0/255.0.0.0 -> 0/32   # addresses only",
            "map net0 192.168.0.0/16 -> 198.51.100.2/32 portmap tcp 20000:30000 age 30/60",
            "",
            "rdr net0 198.51.100.2/32 port 8080 -> 10.0.0.5 port 80 tcp",
            "rdr net0 198.51.100.2/32 port 5000-5010 -> 10.0.0.5,10.0.0.6 port 5000 tcp/udp round-robin",
            "bimap net0 10.0.0.7/32 -> 198.51.100.7/32"), "ipnat.conf");
        assertEquals(6, rules.size());
        assertEquals(List.of(
            "map net0 10.0.0.0/8 -> 0.0.0.0/32 portmap tcp/udp auto",
            "map net0 10.0.0.0/8 -> 0.0.0.0/32",
            "map net0 192.168.0.0/16 -> 198.51.100.2/32 portmap tcp 20000:30000 age 30/60",
            "rdr net0 198.51.100.2/32 port 8080 -> 10.0.0.5 port 80 tcp",
            "rdr net0 198.51.100.2/32 port 5000-5010 -> 10.0.0.5,10.0.0.6 port 5000 tcp/udp round-robin",
            "bimap net0 10.0.0.7/32 -> 198.51.100.7/32"),
            rules.stream().map(Object::toString).toList());
        final IpnatRules.Map map = (IpnatRules.Map)rules.get(0);
        assertTrue(map.auto());
        assertEquals(0, map.outside(), "0/32: the interface's own address");
        final IpnatRules.Rdr rdr = (IpnatRules.Rdr)rules.get(4);
        assertArrayEquals(new int[] {Ipv4Address.parse("10.0.0.5"), Ipv4Address.parse("10.0.0.6")}, rdr.targets());
        assertEquals(IpnatRules.TCP | IpnatRules.UDP, rdr.protocols());
        assertEquals(List.of(), IpnatRules.parse("# nothing but a comment\n\n", "-"));
    }

    @Test
    void shouldRefuseAWholeFileAtItsFirstBadLineSayingWhereAndWhy()
    {
        assertEquals("rules:2: unknown rule 'nat': map, rdr or bimap", refusal("map net0 10.0.0.0/8 -> 0/32\nnat x"));
        assertEquals("rules:1: '->' expected, found '0/32'", refusal("map net0 10.0.0.0/8 0/32"));
        assertEquals("rules:1: mask /33 is longer than 32", refusal("map net0 10.0.0.0/33 -> 0/32"));
        assertEquals("rules:1: mask 255.0.255.0 is not contiguous", refusal("map net0 10.0.0.0/255.0.255.0 -> 0/32"));
        assertEquals("rules:1: 10.0.0.1/8 has host bits set past its mask", refusal("map net0 10.0.0.1/8 -> 0/32"));
        assertEquals("rules:1: portmap range 3000:2000 runs backwards",
            refusal("map net0 10.0.0.0/8 -> 0/32 portmap tcp 3000:2000"));
        assertEquals("rules:1: port '70000': 1 to 65535",
            refusal("rdr net0 198.51.100.2/32 port 70000 -> 10.0.0.5 port 80"));
        assertEquals("rules:1: the line ends where the inside port was expected",
            refusal("rdr net0 198.51.100.2/32 port 80 -> 10.0.0.5 port"));
        assertEquals("rules:1: 'sctp': tcp, udp or tcp/udp",
            refusal("rdr net0 198.51.100.2/32 port 80 -> 10.0.0.5 port 80 sctp"));
        assertEquals("rules:1: '10.0.0.300' is not an IPv4 address",
            refusal("bimap net0 10.0.0.300/32 -> 198.51.100.7/32"));
        assertEquals("rules:1: bimap's inside and outside masks differ",
            refusal("bimap net0 10.0.0.0/24 -> 198.51.100.7/32"));
        assertEquals("rules:1: 'net-0' is not an interface name", refusal("map net-0 10.0.0.0/8 -> 0/32"));
    }

    private static String refusal(final String text)
    {
        return assertThrows(IpnatRules.RuleException.class, () -> IpnatRules.parse(text, "rules")).getMessage();
    }
}
