package io.xbow.control.capture.filter;

import io.xbow.control.capture.CaptureFrames;
import io.xbow.packet.filter.BpfMachine;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.pcap4j.core.BpfProgram;
import org.pcap4j.core.PcapHandle;
import org.pcap4j.core.Pcaps;
import org.pcap4j.packet.namednumber.DataLinkType;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Differential: for each filter, our interpreter running libpcap's compiled program must accept and reject the same
 * frames as libpcap's own {@code pcap_offline_filter} (through Pcap4J's {@code BpfProgram.applyFilter}).
 */
class CaptureFilterTest
{
    private static final int SNAPLEN = 262144;
    private static final String[] FILTERS = {
        "tcp port 80 and host 10.0.0.2",
        "vlan 100",
        "vlan 100 and udp",
        "vlan 100 and vlan 200",
        "arp",
        "icmp",
        "icmp[icmptype] = icmp-echo",
        "udp",
        "ip6",
        "ip6 and tcp port 80",
        "ether host 00:16:3e:00:00:01",
        "ether broadcast",
        "ip[8] < 64",
        "not arp",
        "len > 100",
        "less 64",
        "tcp[tcpflags] & tcp-syn != 0",
        "net 10.0.0.0/24",
        "portrange 1000-2000",
        "ip proto 47",
        "udp dst port 53 or arp",
        "ether[20] / ether[21] > 2",
        "ether[22] % ether[23] = 1",
        "(ether[24] << ether[25]) > 256",
        "(ether[26] >> ether[27]) = 0",
        "ether[12:4] & 0xffff0fff = 0x81000064",
        "ip[2:2] - ip[0] * 4 > 100",
        "-ether[30] = 0xfffffff6",
    };

    private static List<byte[]> corpus;

    @BeforeAll
    static void needsLibpcap()
    {
        LibpcapAvailable.assumeOrFailOnCi();
        corpus = new ArrayList<>(CaptureFrames.named().values());
        corpus.addAll(CaptureFrames.mutations(7, 4000));
    }

    @Test
    void shouldAcceptAndRejectTheSameFramesAsLibpcap() throws Exception
    {
        final StringBuilder differences = new StringBuilder();
        int accepted = 0;
        for (final String filter : FILTERS)
        {
            final BpfMachine machine = CaptureFilter.compile(filter, SNAPLEN);
            final PcapHandle handle = Pcaps.openDead(DataLinkType.EN10MB, SNAPLEN);
            final BpfProgram reference = handle.compileFilter(
                filter, BpfProgram.BpfCompileMode.OPTIMIZE, PcapHandle.PCAP_NETMASK_UNKNOWN);
            try
            {
                int filterAccepted = 0;
                for (final byte[] frame : corpus)
                {
                    final int ours = machine.run(new UnsafeBuffer(frame), 0, frame.length, BpfMachine.NO_TAG);
                    final boolean theirs = reference.applyFilter(frame);
                    if ((ours != 0) != theirs)
                    {
                        differences.append(filter).append(": ours ").append(ours).append(", libpcap ")
                            .append(theirs).append(" on ").append(hex(frame)).append('\n');
                    }
                    filterAccepted += theirs ? 1 : 0;
                }
                assertTrue(filterAccepted > 0 && filterAccepted < corpus.size(),
                    filter + " accepts " + filterAccepted + " of " + corpus.size() + ": the corpus does not test it");
                accepted += filterAccepted;
            }
            finally
            {
                reference.free();
                handle.close();
            }
        }
        assertEquals("", differences.toString());
        assertTrue(accepted > FILTERS.length);
    }

    @Test
    void shouldSeeAnInsertedTagAsTheSameFramePhysicallyTagged() throws Exception
    {
        final Random random = new Random(11);
        final StringBuilder differences = new StringBuilder();
        final int[] tcis = { 100, 200, 5 << 13 | 100, 0, 0xFFFF, 4095 };
        for (final String filter : FILTERS)
        {
            final BpfMachine machine = CaptureFilter.compile(filter, SNAPLEN);
            final PcapHandle handle = Pcaps.openDead(DataLinkType.EN10MB, SNAPLEN);
            final BpfProgram reference = handle.compileFilter(
                filter, BpfProgram.BpfCompileMode.OPTIMIZE, PcapHandle.PCAP_NETMASK_UNKNOWN);
            try
            {
                for (final byte[] frame : corpus)
                {
                    if (frame.length < 12)
                    {
                        continue;
                    }
                    final int tci = random.nextBoolean() ? tcis[random.nextInt(tcis.length)] : random.nextInt(65536);
                    final byte[] tagged = CaptureFrames.insertTag(frame, tci);
                    final byte[] padded = new byte[frame.length + 10];
                    System.arraycopy(frame, 0, padded, 5, frame.length);
                    final int inserted = machine.run(new UnsafeBuffer(padded), 5, frame.length, tci);
                    final int physical = machine.run(new UnsafeBuffer(tagged), 0, tagged.length, BpfMachine.NO_TAG);
                    final boolean theirs = reference.applyFilter(tagged);
                    if (inserted != physical || (inserted != 0) != theirs)
                    {
                        differences.append(filter).append(" tci ").append(tci).append(": inserted ")
                            .append(inserted).append(", physical ").append(physical).append(", libpcap ")
                            .append(theirs).append(" on ").append(hex(tagged)).append('\n');
                    }
                }
            }
            finally
            {
                reference.free();
                handle.close();
            }
        }
        assertEquals("", differences.toString());
    }

    @Test
    void shouldMatchTheExpectedFramesOfTheIssuesExample()
    {
        final BpfMachine machine = CaptureFilter.compile("tcp port 80 and host 10.0.0.2", 96);
        final Map<String, byte[]> frames = CaptureFrames.named();
        assertEquals(96, run(machine, frames.get("tcp ack 80 reply")), "snaplen caps a long frame");
        assertEquals(54, run(machine, frames.get("tcp syn 80")));
        assertEquals(0, run(machine, frames.get("tcp 80 other host")));
        assertEquals(0, run(machine, frames.get("tcp 443")));
        assertEquals(0, run(machine, frames.get("arp request")));
        assertTrue(run(machine, frames.get("tcp 80 ip options")) > 0);
        assertTrue(run(machine, frames.get("tcp 80 first fragment")) > 0);
        assertEquals(0, run(machine, frames.get("tcp 80 later fragment")));
        final BpfMachine vlan = CaptureFilter.compile("vlan 100", 128);
        assertTrue(run(vlan, frames.get("vlan 100 udp")) > 0);
        assertEquals(0, run(vlan, frames.get("vlan 200 arp")));
        assertEquals(0, run(vlan, frames.get("udp 53")));
        final byte[] untagged = frames.get("udp 53");
        assertEquals(untagged.length + 4, vlan.run(new UnsafeBuffer(untagged), 0, untagged.length, 100));
    }

    @Test
    void shouldAcceptEverythingForABlankExpression()
    {
        final byte[] frame = CaptureFrames.named().get("arp request");
        assertEquals(frame.length, run(CaptureFilter.compile("", 65535), frame));
        assertEquals(20, run(CaptureFilter.compile("  ", 20), frame));
        assertEquals(20, run(CaptureFilter.compile(null, 20), frame));
    }

    @Test
    void shouldRefuseAMalformedExpressionWithLibpcapsMessage()
    {
        final IllegalArgumentException syntax = assertThrows(IllegalArgumentException.class,
            () -> CaptureFilter.compile("tcp port and", SNAPLEN));
        assertTrue(syntax.getMessage().contains("syntax error"), syntax.getMessage());
        assertTrue(syntax.getMessage().contains("tcp port and"), syntax.getMessage());
        final IllegalArgumentException unknownHost = assertThrows(IllegalArgumentException.class,
            () -> CaptureFilter.compile("port nosuchservicename", SNAPLEN));
        assertTrue(unknownHost.getMessage().contains("unknown port"), unknownHost.getMessage());
        final IllegalArgumentException range = assertThrows(IllegalArgumentException.class,
            () -> CaptureFilter.compile("vlan 5000", SNAPLEN));
        assertTrue(range.getMessage().contains("VLAN tag 5000 greater than maximum 4095"), range.getMessage());
        assertThrows(IllegalArgumentException.class, () -> CaptureFilter.compile("tcp", 0));
    }

    private static int run(final BpfMachine machine, final byte[] frame)
    {
        return machine.run(new UnsafeBuffer(frame), 0, frame.length, BpfMachine.NO_TAG);
    }

    private static String hex(final byte[] frame)
    {
        final StringBuilder out = new StringBuilder();
        for (final byte b : frame)
        {
            out.append(String.format("%02x", b & 0xFF));
        }
        return out.toString();
    }

}
