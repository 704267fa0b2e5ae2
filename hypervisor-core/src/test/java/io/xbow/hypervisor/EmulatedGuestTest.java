package io.xbow.hypervisor;

import io.xbow.hypervisor.config.VifSpec;
import io.xbow.hypervisor.config.XlConfigParser;
import io.xbow.hypervisor.domain.DomainException;
import io.xbow.hypervisor.domain.Hypervisor;
import io.xbow.hypervisor.guest.GuestRunner;
import io.xbow.netback.xenbus.EventChannels;
import io.xbow.netback.xenbus.XenStore;
import io.xbow.packet.address.Ipv4Address;
import io.xbow.vnic.LinkRegistry;
import io.xbow.vnic.RegistryConfig;
import io.xbow.vswitch.thread.ThreadedDatapath;
import org.agrona.concurrent.SystemNanoClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Emulated guests on a running datapath: they answer ARP and ping each other through their vifs, with ping(8)'s
 * output; a paused guest answers nothing.
 */
class EmulatedGuestTest
{
    private static final long MS = 1_000_000;

    private LinkRegistry links;
    private Hypervisor hv;

    @BeforeEach
    void start() throws Exception
    {
        links = new LinkRegistry(RegistryConfig.defaults(), new ThreadedDatapath("test-datapath"),
            SystemNanoClock.INSTANCE);
        links.createEtherstub("stub0", true);
        hv = new Hypervisor(links, new XenStore(), new EventChannels(), SystemNanoClock.INSTANCE,
            // No backstop worth the name: a wakeup that is lost shows as a ping that waits for its next deadline.
            new GuestRunner("test-guests", SystemNanoClock.INSTANCE, TimeUnit.HOURS.toNanos(1)));
        for (final String[] guest : new String[][] {{"web", "10.0.0.2"}, {"db", "10.0.0.3/24"}})
        {
            hv.create(XlConfigParser.parse(guest[0] + ".cfg", "name = '" + guest[0] + "'\n" +
                "vif = [ 'bridge=stub0,ip=" + guest[1] + "' ]\n", List.of()));
        }
    }

    @AfterEach
    void stop()
    {
        hv.close();
        links.close();
    }

    private List<String> ping(final String from, final String to, final int count) throws Exception
    {
        return hv.ping(from, Ipv4Address.parse(to), count, 20 * MS, 300 * MS, 56).result().get(10, TimeUnit.SECONDS);
    }

    @Test
    void shouldPingAnotherGuestLikePing8() throws Exception
    {
        final List<String> lines = ping("web", "10.0.0.3", 3);
        assertEquals("PING 10.0.0.3 (10.0.0.3) 56(84) bytes of data.", lines.get(0));
        for (int seq = 1; seq <= 3; seq++)
        {
            assertTrue(lines.get(seq).matches("64 bytes from 10\\.0\\.0\\.3: icmp_seq=" + seq +
                " ttl=64 time=\\d+\\.\\d{3} ms"), lines.get(seq));
        }
        assertEquals("--- 10.0.0.3 ping statistics ---", lines.get(5));
        assertTrue(lines.get(6).startsWith("3 packets transmitted, 3 received, 0% packet loss, time "), lines.get(6));
        assertTrue(lines.get(7).matches("rtt min/avg/max/mdev = [\\d.]+/[\\d.]+/[\\d.]+/[\\d.]+ ms"), lines.get(7));

        final List<String> back = ping("db", "10.0.0.2", 2);
        assertTrue(back.contains("") && back.get(back.size() - 2).startsWith("2 packets transmitted, 2 received"),
            String.join("\n", back));
    }

    @Test
    void shouldKeepAnsweringWhileVifsComeAndGo() throws Exception
    {
        final var ping = hv.ping("web", Ipv4Address.parse("10.0.0.3"), 30, 10 * MS, 500 * MS, 56);
        for (int i = 0; i < 10 && !ping.result().isDone(); i++)
        {
            final var vif = hv.networkAttach("db", VifSpec.parse("bridge=stub0,ip=10.0.1.3"));
            hv.networkAttach("web", VifSpec.parse("bridge=stub0"));
            hv.networkDetach("db", Integer.toString(vif.devid()));
            hv.networkDetach("web", "1");
        }
        final String output = String.join("\n", ping.result().get(10, TimeUnit.SECONDS));
        assertTrue(output.contains("30 packets transmitted, 30 received"), output);
        assertEquals(1, hv.domain("db").vifs().size());
    }

    @Test
    void shouldEchoUdpOnPort7Only() throws Exception
    {
        final List<String> echoed = ((io.xbow.hypervisor.guest.EmulatedGuest)hv.domain("web").guest())
            .udpPing(Ipv4Address.parse("10.0.0.3"), 7, 3, 20 * MS, 300 * MS, 100).result().get(10, TimeUnit.SECONDS);
        assertEquals("UDP PING 10.0.0.3:7 (10.0.0.3) 100(128) bytes of data.", echoed.get(0));
        assertTrue(echoed.get(1).matches("100 bytes from 10\\.0\\.0\\.3: udp_seq=1 ttl=64 time=[\\d.]+ ms"),
            echoed.get(1));
        assertTrue(String.join("\n", echoed).contains("3 packets transmitted, 3 received"), String.join("\n", echoed));

        final List<String> closed = ((io.xbow.hypervisor.guest.EmulatedGuest)hv.domain("web").guest())
            .udpPing(Ipv4Address.parse("10.0.0.3"), 9, 2, 20 * MS, 200 * MS, 10).result().get(10, TimeUnit.SECONDS);
        assertTrue(String.join("\n", closed).contains("2 packets transmitted, 0 received"), String.join("\n", closed));
    }

    @Test
    void shouldWakeTheGuestsWhenAFrameArrivesNotAtTheNextProbe() throws Exception
    {
        // Probes 400 ms apart: a reply the guests were not woken for would wait for the next probe's deadline.
        final List<String> lines = hv.ping("web", Ipv4Address.parse("10.0.0.3"), 5, 400 * MS, 2_000 * MS, 56)
            .result().get(20, TimeUnit.SECONDS);
        final java.util.regex.Matcher time = java.util.regex.Pattern.compile("time=([\\d.]+) ms")
            .matcher(String.join("\n", lines));
        int replies = 0;
        while (time.find())
        {
            replies++;
            assertTrue(Double.parseDouble(time.group(1)) < 200, String.join("\n", lines));
        }
        assertEquals(5, replies, String.join("\n", lines));
    }

    @Test
    void shouldNotEchoADatagramFromAnotherEchoService() throws Exception
    {
        // From port 7 to port 7: an echo of it would go to the sender's echo service, and on between them forever.
        final List<String> probe = ((io.xbow.hypervisor.guest.EmulatedGuest)hv.domain("web").guest())
            .udpPing(Ipv4Address.parse("10.0.0.3"), 7, 7, 1, 20 * MS, 300 * MS, 16).result().get(10, TimeUnit.SECONDS);
        assertTrue(String.join("\n", probe).contains("1 packets transmitted, 0 received"), String.join("\n", probe));
    }

    @Test
    void shouldNotPingAcrossVlans() throws Exception
    {
        for (final String[] guest : new String[][] {{"v100a", "10.0.0.4", "100"}, {"v100b", "10.0.0.5", "100"}})
        {
            hv.create(XlConfigParser.parse(guest[0] + ".cfg", "name = '" + guest[0] + "'\n" +
                "vif = [ 'bridge=stub0,ip=" + guest[1] + ",vlanid=" + guest[2] + "' ]\n", List.of()));
        }
        assertTrue(String.join("\n", ping("v100a", "10.0.0.5", 1)).contains("1 received"), "same VLAN: answered");
        assertTrue(String.join("\n", ping("v100a", "10.0.0.3", 2)).contains("2 packets transmitted, 0 received"),
            "VLAN 100 cannot reach the untagged guest");
        assertTrue(String.join("\n", ping("web", "10.0.0.4", 2)).contains("2 packets transmitted, 0 received"),
            "nor the other way");
    }

    @Test
    void shouldLoseEveryProbeToANobodyOrAPausedGuest() throws Exception
    {
        final List<String> nobody = ping("web", "10.0.0.99", 2);
        assertTrue(nobody.get(nobody.size() - 1).startsWith("2 packets transmitted, 0 received, 100% packet loss"),
            String.join("\n", nobody));

        hv.pause("db");
        final List<String> paused = ping("web", "10.0.0.3", 2);
        assertTrue(paused.get(paused.size() - 1).contains("0 received, 100% packet loss"),
            String.join("\n", paused));
        assertThrows(DomainException.class, () -> ping("db", "10.0.0.2", 1), "a paused guest cannot ping");
        hv.unpause("db");
        assertTrue(ping("web", "10.0.0.3", 1).contains("--- 10.0.0.3 ping statistics ---"));
        assertTrue(String.join("\n", ping("web", "10.0.0.3", 1)).contains("1 received"),
            "the unpaused guest answers again");
    }
}
