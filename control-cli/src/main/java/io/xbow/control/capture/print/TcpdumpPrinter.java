package io.xbow.control.capture.print;

import java.time.ZoneId;
import java.util.HashMap;
import java.util.Map;

/**
 * Prints frames as tcpdump 4.99 prints them with {@code -nn}, so that a network engineer reads the output she is
 * used to and scripts written against tcpdump's lines keep working: Ethernet (with 802.1Q), ARP, IPv4 with ICMP,
 * TCP (flags, relative sequence numbers, options) and UDP, IPv6 with its hop-by-hop header, ICMPv6 echo, neighbour
 * discovery and MLDv2 reports. Options as tcpdump's: {@code -e} (link header), {@code -q} (quiet), {@code -v}
 * (IP header fields, checksums, ND options), {@code -t} to {@code -ttttt} (time stamps), {@code -x}, {@code -xx},
 * {@code -X}, {@code -XX}, {@code -A} (the bytes).
 * <p>
 * What it does not decode (application protocols on their well-known ports, which tcpdump decodes: DNS, DHCP,
 * NTP, HTTP, ...; rarer ICMP types and IP options) it prints at the layer below, as tcpdump does for a protocol it
 * does not know. A frame cut short by the snapshot length ends its line with {@code [|proto]}, as tcpdump's do.
 * Not thread-safe: it remembers TCP connections (for relative sequence numbers) and the previous time stamp.
 */
public final class TcpdumpPrinter
{
    /** Link types (pcap's LINKTYPE_*). */
    public static final int LINKTYPE_ETHERNET = 1;
    public static final int LINKTYPE_LINUX_SLL = 113;

    /**
     * tcpdump's printing options.
     *
     * @param timestamps 0 (the default, local time of day), or 1 to 5 for {@code -t} to {@code -ttttt}.
     * @param linkHeader {@code -e}.
     * @param quiet      {@code -q}.
     * @param verbose    {@code -v}: 0 or 1.
     * @param hex        {@code -x} 1, {@code -xx} 2 (from the link header), 0 none.
     * @param hexAscii   with {@code hex}: {@code -X}/{@code -XX}, ASCII beside the hex.
     * @param ascii      {@code -A}: the bytes as ASCII.
     * @param zone       the time zone of time stamps.
     */
    public record Options(int timestamps, boolean linkHeader, boolean quiet, int verbose, int hex, boolean hexAscii,
        boolean ascii, ZoneId zone)
    {
        /** tcpdump -nn's defaults. */
        public static Options defaults(final ZoneId zone)
        {
            return new Options(0, false, false, 0, 0, false, false, zone);
        }
    }

    private final Options options;
    private final Map<String, long[]> tcpSeq = new HashMap<>();
    private final Timestamps clock;

    private StringBuilder sb;
    private byte[] d;
    private int caplen;

    /** Thrown when a header lies beyond the captured bytes. */
    private static final class Truncated extends RuntimeException
    {
        Truncated()
        {
            super(null, null, false, false);
        }
    }

    private static final Truncated TRUNCATED = new Truncated();

    public TcpdumpPrinter(final Options options)
    {
        this.options = options;
        this.clock = new Timestamps(options.timestamps(), options.zone());
    }

    /**
     * @param timestampNs    when the frame was seen, in nanoseconds since the epoch.
     * @param linkType       its link type.
     * @param data           the captured bytes.
     * @param capturedLength how many of them.
     * @param originalLength its length on the wire.
     * @param prefix         what goes between the time stamp and the frame ({@code "eth0 In  "} for a capture of
     *                       several links), or "".
     * @return its line(s), without the final newline.
     */
    public String print(final long timestampNs, final int linkType, final byte[] data, final int capturedLength,
        final int originalLength, final String prefix)
    {
        sb = new StringBuilder(160);
        d = data;
        caplen = Math.min(capturedLength, data.length);
        clock.print(sb, timestampNs);
        sb.append(prefix);
        int linkHeader = 0;
        if (linkType == LINKTYPE_ETHERNET)
        {
            linkHeader = ether(originalLength);
        }
        else if (linkType == LINKTYPE_LINUX_SLL)
        {
            linkHeader = sll(originalLength);
        }
        else
        {
            sb.append("[link-type ").append(linkType).append(" not decoded], length ").append(originalLength);
            linkHeader = caplen;
        }
        dump(linkHeader);
        return sb.toString();
    }

    // ---------------------------------------------------------------------------------------------------------
    // Link layer
    // ---------------------------------------------------------------------------------------------------------

    /** @return the link header's length (with its VLAN tags). */
    private int ether(final int originalLength)
    {
        if (caplen < 14)
        {
            sb.append("[|ether]");
            return caplen;
        }
        int type = u16(12);
        int header = 14;
        final boolean e = options.linkHeader();
        final boolean known = type == 0x0800 || type == 0x0806 || type == 0x86DD || type == 0x8100 || type == 0x88A8;
        if (e || !known)
        {
            sb.append(mac(6)).append(" > ").append(mac(0)).append(", ");
            etherType(type);
            sb.append(", length ").append(originalLength).append(": ");
        }
        while ((type == 0x8100 || type == 0x88A8) && caplen >= header + 4)
        {
            final int tci = u16(header);
            type = u16(header + 2);
            header += 4;
            if (e)
            {
                sb.append("vlan ").append(tci & 0xFFF).append(", p ").append(tci >>> 13);
                if ((tci & 0x1000) != 0)
                {
                    sb.append(", DEI");
                }
                sb.append(", ");
                etherType(type);
                sb.append(", ");
            }
        }
        network(type, header, originalLength - header, !e);
        return header;
    }

    /** Linux cooked capture (v1), as tcpdump -i any writes with -y LINUX_SLL. */
    private int sll(final int originalLength)
    {
        if (caplen < 16)
        {
            sb.append("[|sll]");
            return caplen;
        }
        final int packetType = u16(0);
        final int type = u16(14);
        final String[] directions = {"In", "B", "M", "P", "Out"};
        if (options.linkHeader())
        {
            sb.append(String.format("%-3s ", packetType < directions.length ? directions[packetType] : "?"));
            if (u16(4) == 6)
            {
                sb.append(mac(6)).append(' ');
            }
            etherType(type);
            sb.append(", length ").append(originalLength).append(": ");
        }
        network(type, 16, originalLength - 16, !options.linkHeader());
        return 16;
    }

    private void etherType(final int type)
    {
        final String name;
        switch (type)
        {
            case 0x0800: name = "IPv4"; break;
            case 0x0806: name = "ARP"; break;
            case 0x86DD: name = "IPv6"; break;
            case 0x8100: name = "802.1Q"; break;
            case 0x88A8: name = "802.1Q-QinQ"; break;
            case 0x88CC: name = "LLDP"; break;
            case 0x8035: name = "Reverse ARP"; break;
            default: name = "Unknown";
        }
        if (type < 0x0600)
        {
            sb.append("802.3, length-field ").append(type);
            return;
        }
        if (options.quiet())
        {
            sb.append(name); // -q -e: the name alone
            return;
        }
        sb.append("ethertype ").append(name).append(String.format(" (0x%04x)", type));
    }

    private void network(final int type, final int at, final int length, final boolean name)
    {
        try
        {
            switch (type)
            {
                case 0x0800:
                    ipv4(at, name);
                    return;
                case 0x86DD:
                    ipv6(at, name);
                    return;
                case 0x0806:
                    arp(at, length, name);
                    return;
                default:
                    HexDump.hex(sb, d, at, caplen - at); // tcpdump's default print of what it does not know
            }
        }
        catch (final Truncated | ArrayIndexOutOfBoundsException ex)
        {
            sb.append(" [|").append(type == 0x0806 ? "arp" : type == 0x86DD ? "ip6" : "ip").append(']');
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // ARP
    // ---------------------------------------------------------------------------------------------------------

    private void arp(final int at, final int length, final boolean name)
    {
        if (name)
        {
            sb.append("ARP, ");
        }
        need(at + 8);
        final int hw = u16(at);
        final int proto = u16(at + 2);
        final int hlen = u8(at + 4);
        final int plen = u8(at + 5);
        final int op = u16(at + 6);
        if (hw != 1 || proto != 0x0800 || hlen != 6 || plen != 4)
        {
            sb.append("hardware #").append(hw).append(", length ").append(length);
            return;
        }
        if (options.verbose() > 0)
        {
            sb.append("Ethernet (len 6), IPv4 (len 4), ");
        }
        need(at + 28);
        final String sha = mac(at + 8);
        final String spa = ipv4Address(at + 14);
        final String tpa = ipv4Address(at + 24);
        switch (op)
        {
            case 1:
                sb.append("Request who-has ").append(tpa);
                if (!isZero(at + 18, 6))
                {
                    sb.append(" (").append(mac(at + 18)).append(')');
                }
                sb.append(" tell ").append(spa);
                break;
            case 2:
                sb.append("Reply ").append(spa).append(" is-at ").append(sha);
                break;
            default:
                sb.append("Unknown (").append(op).append(')');
        }
        sb.append(", length ").append(length);
    }

    // ---------------------------------------------------------------------------------------------------------
    // IPv4
    // ---------------------------------------------------------------------------------------------------------

    /** @param name whether to say "IP " (not after -e's link header, which names the EtherType). */
    private void ipv4(final int at, final boolean name)
    {
        need(at + 20);
        final int ihl = (u8(at) & 0x0F) * 4;
        final int total = u16(at + 2);
        final int id = u16(at + 4);
        final int fragment = u16(at + 6);
        final int ttl = u8(at + 8);
        final int protocol = u8(at + 9);
        final int payload = Math.max(0, total - ihl);
        final int l4 = at + ihl;
        if (name)
        {
            sb.append("IP ");
        }
        if (options.verbose() > 0)
        {
            final int tos = u8(at + 1);
            sb.append("(tos 0x").append(Integer.toHexString(tos));
            final int ecn = tos & 0x03;
            if (ecn != 0)
            {
                sb.append(ecn == 1 ? ",ECT(1)" : ecn == 2 ? ",ECT(0)" : ",CE");
            }
            sb.append(", ttl ").append(ttl).append(", id ").append(id).append(", offset ")
                .append((fragment & 0x1FFF) * 8).append(", flags [");
            final boolean df = (fragment & 0x4000) != 0;
            final boolean mf = (fragment & 0x2000) != 0;
            sb.append(df && mf ? "DF+MF" : df ? "DF" : mf ? "+" : "none").append("], proto ")
                .append(protocolName(protocol)).append(" (").append(protocol).append("), length ").append(total);
            if (ihl > 20)
            {
                sb.append(", options (...)");
            }
            sb.append(")\n    ");
        }
        final String src = ipv4Address(at + 12);
        final String dst = ipv4Address(at + 16);
        if ((fragment & 0x1FFF) != 0)
        {
            sb.append(src).append(" > ").append(dst).append(": ip-proto-").append(protocol);
            return;
        }
        switch (protocol)
        {
            case 6:
                tcp(l4, payload, src, dst, at, false);
                break;
            case 17:
                udp(l4, src, dst);
                break;
            case 1:
                sb.append(src).append(" > ").append(dst).append(": ");
                icmp(l4, payload);
                break;
            default:
                sb.append(src).append(" > ").append(dst).append(": ip-proto-").append(protocol).append(' ')
                    .append(payload);
        }
    }

    private static String protocolName(final int protocol)
    {
        switch (protocol)
        {
            case 1: return "ICMP";
            case 6: return "TCP";
            case 17: return "UDP";
            case 58: return "ICMPv6";
            case 2: return "IGMP";
            case 47: return "GRE";
            case 50: return "ESP";
            case 132: return "SCTP";
            default: return "unknown";
        }
    }

    private void icmp(final int at, final int length)
    {
        need(at + 4);
        final int type = u8(at);
        final int code = u8(at + 1);
        sb.append("ICMP ");
        switch (type)
        {
            case 0:
            case 8:
                need(at + 8);
                sb.append(type == 8 ? "echo request" : "echo reply").append(", id ").append(u16(at + 4))
                    .append(", seq ").append(u16(at + 6));
                break;
            case 3:
                unreachable(at, code);
                break;
            case 11:
                sb.append(code == 0 ? "time exceeded in-transit" : "ip reassembly time exceeded");
                break;
            default:
                sb.append("type-#").append(type);
        }
        sb.append(", length ").append(length);
        if (options.verbose() > 0 && caplen >= at + length && length >= 4)
        {
            final int stored = u16(at + 2);
            final int correct = checksumWithout(at, length, at + 2, 0);
            if (stored != correct)
            {
                sb.append(String.format(" (wrong icmp cksum %x (->%x)!)", stored, correct));
            }
            if ((type == 3 || type == 11) && caplen >= at + 8 + 20)
            {
                sb.append("\n\t");
                ipv4(at + 8, !options.linkHeader());
            }
        }
    }

    private void unreachable(final int at, final int code)
    {
        need(at + 8 + 20);
        final int quoted = at + 8;
        final String dst = ipv4Address(quoted + 16);
        final int protocol = u8(quoted + 9);
        final int l4 = quoted + (u8(quoted) & 0x0F) * 4;
        switch (code)
        {
            case 0:
                sb.append("net ").append(dst).append(" unreachable");
                break;
            case 1:
                sb.append("host ").append(dst).append(" unreachable");
                break;
            case 2:
                sb.append(dst).append(" protocol ").append(protocol).append(" unreachable");
                break;
            case 3:
                need(l4 + 4);
                sb.append(dst).append(protocol == 6 ? " tcp port " : protocol == 17 ? " udp port " : " protocol ")
                    .append(protocol == 6 || protocol == 17 ? u16(l4 + 2) : protocol).append(" unreachable");
                break;
            case 4:
                sb.append(dst).append(" unreachable - need to frag (mtu ").append(u16(at + 6)).append(')');
                break;
            default:
                sb.append(dst).append(" unreachable - #").append(code);
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // IPv6
    // ---------------------------------------------------------------------------------------------------------

    private void ipv6(final int at, final boolean name)
    {
        need(at + 40);
        final int first = u32(at);
        final int trafficClass = (first >>> 20) & 0xFF;
        final int flowLabel = first & 0xFFFFF;
        final int payload = u16(at + 4);
        int next = u8(at + 6);
        final int hopLimit = u8(at + 7);
        if (name)
        {
            sb.append("IP6 ");
        }
        if (options.verbose() > 0)
        {
            sb.append('(');
            if (trafficClass != 0)
            {
                sb.append("class 0x").append(Integer.toHexString(trafficClass)).append(", ");
            }
            if (flowLabel != 0)
            {
                sb.append(String.format("flowlabel 0x%05x, ", flowLabel));
            }
            sb.append("hlim ").append(hopLimit).append(", next-header ").append(nextHeaderName(next)).append(" (")
                .append(next).append(") payload length: ").append(payload).append(") ");
        }
        final String src = ipv6Address(at + 8);
        final String dst = ipv6Address(at + 24);
        int l4 = at + 40;
        int remaining = payload;
        StringBuilder extension = new StringBuilder();
        if (next == 0)
        {
            need(l4 + 2);
            final int length = (u8(l4 + 1) + 1) * 8;
            need(l4 + length);
            extension.append("HBH ");
            if (options.verbose() > 0)
            {
                int o = l4 + 2;
                while (o < l4 + length)
                {
                    final int type = u8(o);
                    if (type == 0)
                    {
                        extension.append("(pad1)");
                        o++;
                        continue;
                    }
                    final int optionLength = u8(o + 1);
                    if (type == 1)
                    {
                        extension.append("(padn)");
                    }
                    else if (type == 5 && optionLength == 2)
                    {
                        extension.append(String.format("(rtalert: 0x%04x) ", u16(o + 2)));
                    }
                    else
                    {
                        extension.append(String.format("(opt_type 0x%02x: len=%d) ", type, optionLength));
                    }
                    o += 2 + optionLength;
                }
                if (extension.charAt(extension.length() - 1) != ' ')
                {
                    extension.append(' ');
                }
            }
            next = u8(l4);
            l4 += length;
            remaining -= length;
        }
        switch (next)
        {
            case 6:
                sb.append(extension);
                tcp(l4, remaining, src, dst, at, true);
                break;
            case 17:
                sb.append(extension);
                udp6(l4, src, dst, at);
                break;
            case 58:
                sb.append(src).append(" > ").append(dst).append(": ").append(extension);
                icmp6(l4, remaining, at);
                break;
            default:
                sb.append(src).append(" > ").append(dst).append(": ").append(extension).append("ip-proto-")
                    .append(next).append(' ').append(remaining);
        }
    }

    private static String nextHeaderName(final int next)
    {
        switch (next)
        {
            case 0: return "Options";
            case 6: return "TCP";
            case 17: return "UDP";
            case 58: return "ICMPv6";
            case 43: return "Routing";
            case 44: return "Fragment";
            case 59: return "NoNext";
            case 60: return "DstOpts";
            default: return "unknown";
        }
    }

    private void icmp6(final int at, final int length, final int ip)
    {
        need(at + 4);
        final int type = u8(at);
        final boolean v = options.verbose() > 0;
        if (v && caplen >= at + length)
        {
            final int stored = u16(at + 2);
            final int correct = checksum6(ip, at, length, 58, at + 2);
            sb.append(stored == correct ? "[icmp6 sum ok] " :
                String.format("[bad icmp6 cksum 0x%04x -> 0x%04x!] ", stored, correct));
        }
        sb.append("ICMP6, ");
        switch (type)
        {
            case 128:
            case 129:
                need(at + 8);
                sb.append(type == 128 ? "echo request" : "echo reply").append(", id ").append(u16(at + 4))
                    .append(", seq ").append(u16(at + 6));
                if (!v)
                {
                    sb.append(", length ").append(length);
                }
                return;
            case 133:
                sb.append("router solicitation, length ").append(length);
                if (v)
                {
                    ndOptions(at + 8, at + length);
                }
                return;
            case 134:
                sb.append("router advertisement, length ").append(length);
                return;
            case 135:
            case 136:
                need(at + 24);
                final String target = ipv6Address(at + 8);
                final String what = type == 135 ? "neighbor solicitation" : "neighbor advertisement";
                final String who = type == 135 ? "who has " : "tgt is ";
                if (v)
                {
                    sb.append(what).append(", length ").append(length).append(", ").append(who).append(target);
                    if (type == 136)
                    {
                        final int flags = u8(at + 4);
                        final StringBuilder f = new StringBuilder();
                        if ((flags & 0x80) != 0) f.append("router, ");
                        if ((flags & 0x40) != 0) f.append("solicited, ");
                        if ((flags & 0x20) != 0) f.append("override, ");
                        sb.append(", Flags [").append(f.length() == 0 ? "none" : f.substring(0, f.length() - 2))
                            .append(']');
                    }
                    ndOptions(at + 24, at + length);
                }
                else
                {
                    sb.append(what).append(", ").append(who).append(target).append(", length ").append(length);
                }
                return;
            case 143:
                need(at + 8);
                final int records = u16(at + 6);
                sb.append("multicast listener report v2, ").append(records).append(" group record(s)");
                if (v)
                {
                    int r = at + 8;
                    for (int i = 0; i < records; i++)
                    {
                        need(r + 20);
                        final int recordType = u8(r);
                        final int sources = u16(r + 2);
                        final String[] types = {"", "is_in", "is_ex", "to_in", "to_ex", "allow", "block"};
                        sb.append(" [gaddr ").append(ipv6Address(r + 4)).append(' ')
                            .append(recordType < types.length ? types[recordType] : "rtype-" + recordType)
                            .append(", ").append(sources).append(" source(s)]");
                        r += 20 + 16 * sources + u8(r + 1) * 4;
                    }
                }
                else
                {
                    sb.append(", length ").append(length);
                }
                return;
            default:
                sb.append("type-#").append(type).append(", length ").append(length);
        }
    }

    /** -v: neighbour discovery options, one line each, as tcpdump prints them. */
    private void ndOptions(final int from, final int end)
    {
        int o = from;
        while (o + 2 <= Math.min(end, caplen))
        {
            final int type = u8(o);
            final int units = u8(o + 1);
            if (units == 0)
            {
                return;
            }
            final int length = units * 8;
            sb.append("\n\t  ");
            if ((type == 1 || type == 2) && length == 8 && o + 8 <= caplen)
            {
                sb.append(type == 1 ? "source" : "destination").append(" link-address option (").append(type)
                    .append("), length 8 (1): ").append(mac(o + 2));
            }
            else
            {
                sb.append("option (").append(type).append("), length ").append(length).append(" (").append(units)
                    .append(')');
            }
            o += length;
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // TCP and UDP
    // ---------------------------------------------------------------------------------------------------------

    private void tcp(final int at, final int length, final String src, final String dst, final int ip,
        final boolean v6)
    {
        need(at + 4);
        final int sport = u16(at);
        final int dport = u16(at + 2);
        sb.append(src).append('.').append(sport).append(" > ").append(dst).append('.').append(dport).append(": ");
        need(at + 20);
        final int headerLength = (u8(at + 12) >>> 4) * 4;
        final int payload = length - headerLength;
        if (options.quiet())
        {
            sb.append("tcp ").append(payload);
            return;
        }
        long seq = u32(at + 4) & 0xFFFF_FFFFL;
        long ack = u32(at + 8) & 0xFFFF_FFFFL;
        final int flags = u8(at + 13);
        final int window = u16(at + 14);
        sb.append("Flags [").append(tcpFlags(flags)).append(']');
        // Relative sequence numbers, as tcpdump keeps them: one entry per connection, both directions, made by
        // the first segment with ACK set (which prints absolute numbers).
        final boolean rev = compare(ip, v6) > 0 || compare(ip, v6) == 0 && sport > dport;
        final String key = rev ? dst + "." + dport + "-" + src + "." + sport : src + "." + sport + "-" + dst + "." +
            dport;
        long thSeq = 0;
        long thAck = 0;
        if ((flags & 0x10) != 0)
        {
            final long[] entry = tcpSeq.get(key);
            if (entry == null)
            {
                final long[] made = rev ? new long[] {(ack - 1) & 0xFFFF_FFFFL, seq} :
                    new long[] {seq, (ack - 1) & 0xFFFF_FFFFL};
                tcpSeq.put(key, made);
                thSeq = made[0];
                thAck = made[1];
            }
            else
            {
                thSeq = entry[0];
                thAck = entry[1];
                if (rev)
                {
                    seq = (seq - entry[1]) & 0xFFFF_FFFFL;
                    ack = (ack - entry[0]) & 0xFFFF_FFFFL;
                }
                else
                {
                    seq = (seq - entry[0]) & 0xFFFF_FFFFL;
                    ack = (ack - entry[1]) & 0xFFFF_FFFFL;
                }
            }
        }
        if (options.verbose() > 0 && caplen >= at + length && length >= 20)
        {
            final int stored = u16(at + 16);
            final int correct = v6 ? checksum6(ip, at, length, 6, at + 16) :
                checksumWithout(at, length, at + 16, pseudo4(ip, 6, length));
            sb.append(String.format(", cksum 0x%04x", stored))
                .append(stored == correct ? " (correct)" : String.format(" (incorrect -> 0x%04x)", correct));
        }
        if (payload > 0 || (flags & 0x07) != 0)
        {
            sb.append(", seq ").append(seq);
            if (payload > 0)
            {
                sb.append(':').append((seq + payload) & 0xFFFF_FFFFL);
            }
        }
        if ((flags & 0x10) != 0)
        {
            sb.append(", ack ").append(ack);
        }
        sb.append(", win ").append(window);
        if ((flags & 0x20) != 0)
        {
            sb.append(", urg ").append(u16(at + 18));
        }
        if (headerLength > 20)
        {
            need(at + headerLength);
            sb.append(", options [");
            tcpOptions(at + 20, at + headerLength, rev ? thSeq : thAck);
            sb.append(']');
        }
        sb.append(", length ").append(payload);
    }

    private void tcpOptions(final int from, final int end, final long sackBase)
    {
        int o = from;
        boolean first = true;
        while (o < end)
        {
            final int kind = u8(o);
            if (!first)
            {
                sb.append(',');
            }
            first = false;
            if (kind == 0)
            {
                sb.append("eol");
                return;
            }
            if (kind == 1)
            {
                sb.append("nop");
                o++;
                continue;
            }
            final int length = u8(o + 1);
            if (length < 2 || o + length > end)
            {
                sb.append("bad opt");
                return;
            }
            switch (kind)
            {
                case 2: sb.append("mss ").append(u16(o + 2)); break;
                case 3: sb.append("wscale ").append(u8(o + 2)); break;
                case 4: sb.append("sackOK"); break;
                case 5:
                {
                    sb.append("sack ").append((length - 2) / 8).append(' ');
                    for (int s = o + 2; s + 8 <= o + length; s += 8)
                    {
                        sb.append('{').append(((u32(s) & 0xFFFF_FFFFL) - sackBase) & 0xFFFF_FFFFL).append(':')
                            .append(((u32(s + 4) & 0xFFFF_FFFFL) - sackBase) & 0xFFFF_FFFFL).append('}');
                    }
                    break;
                }
                case 8:
                    sb.append("TS val ").append(u32(o + 2) & 0xFFFF_FFFFL).append(" ecr ")
                        .append(u32(o + 6) & 0xFFFF_FFFFL);
                    break;
                default:
                    sb.append("unknown-").append(kind);
            }
            o += length;
        }
    }

    private static String tcpFlags(final int flags)
    {
        final StringBuilder f = new StringBuilder();
        final char[] names = {'F', 'S', 'R', 'P', '.', 'U', 'E', 'W'};
        for (int bit = 0; bit < 8; bit++)
        {
            if ((flags & (1 << bit)) != 0)
            {
                f.append(names[bit]);
            }
        }
        return f.length() == 0 ? "none" : f.toString();
    }

    private void udp(final int at, final String src, final String dst)
    {
        need(at + 8);
        sb.append(src).append('.').append(u16(at)).append(" > ").append(dst).append('.').append(u16(at + 2))
            .append(": UDP, length ").append(Math.max(0, u16(at + 4) - 8));
    }

    private void udp6(final int at, final String src, final String dst, final int ip)
    {
        need(at + 8);
        final int length = u16(at + 4);
        sb.append(src).append('.').append(u16(at)).append(" > ").append(dst).append('.').append(u16(at + 2))
            .append(": ");
        if (options.verbose() > 0 && caplen >= at + length && length >= 8)
        {
            final int stored = u16(at + 6);
            final int correct = checksum6(ip, at, length, 17, at + 6);
            sb.append(stored == correct ? "[udp sum ok] " :
                String.format("[bad udp cksum 0x%04x -> 0x%04x!] ", stored, correct));
        }
        sb.append("UDP, length ").append(Math.max(0, length - 8));
    }

    /** -x, -xx, -X, -XX, -A: the bytes after the line, from the network header (or the link header). */
    private void dump(final int linkHeader)
    {
        final int from = options.hex() > 1 ? 0 : linkHeader; // -xx and -XX from the link header
        if (options.hex() > 0)
        {
            if (options.hexAscii())
            {
                HexDump.hexAndAscii(sb, d, from, caplen - from);
            }
            else
            {
                HexDump.hex(sb, d, from, caplen - from);
            }
        }
        else if (options.ascii() && linkHeader < caplen)
        {
            HexDump.ascii(sb, d, linkHeader, caplen - linkHeader);
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Bytes, addresses, checksums
    // ---------------------------------------------------------------------------------------------------------

    private void need(final int end)
    {
        if (end > caplen)
        {
            throw TRUNCATED;
        }
    }

    private int u8(final int at)
    {
        need(at + 1);
        return d[at] & 0xFF;
    }

    private int u16(final int at)
    {
        need(at + 2);
        return (d[at] & 0xFF) << 8 | d[at + 1] & 0xFF;
    }

    private int u32(final int at)
    {
        need(at + 4);
        return u16(at) << 16 | u16(at + 2);
    }

    private boolean isZero(final int at, final int length)
    {
        for (int i = 0; i < length; i++)
        {
            if (d[at + i] != 0)
            {
                return false;
            }
        }
        return true;
    }

    private String mac(final int at)
    {
        need(at + 6);
        return String.format("%02x:%02x:%02x:%02x:%02x:%02x", d[at] & 0xFF, d[at + 1] & 0xFF, d[at + 2] & 0xFF,
            d[at + 3] & 0xFF, d[at + 4] & 0xFF, d[at + 5] & 0xFF);
    }

    private String ipv4Address(final int at)
    {
        need(at + 4);
        return (d[at] & 0xFF) + "." + (d[at + 1] & 0xFF) + "." + (d[at + 2] & 0xFF) + "." + (d[at + 3] & 0xFF);
    }

    /** RFC 5952, as inet_ntop writes it: lower case, the longest run of two or more zero groups as "::". */
    private String ipv6Address(final int at)
    {
        need(at + 16);
        final int[] g = new int[8];
        for (int i = 0; i < 8; i++)
        {
            g[i] = u16(at + 2 * i);
        }
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8; )
        {
            if (g[i] != 0)
            {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && g[j] == 0)
            {
                j++;
            }
            if (j - i > bestLength)
            {
                bestStart = i;
                bestLength = j - i;
            }
            i = j;
        }
        if (bestStart == 0 && (bestLength == 6 || bestLength == 5 && g[5] == 0xFFFF))
        {
            return (bestLength == 5 ? "::ffff:" : "::") + (g[6] >>> 8) + "." + (g[6] & 0xFF) + "." + (g[7] >>> 8) +
                "." + (g[7] & 0xFF);
        }
        final StringBuilder a = new StringBuilder();
        for (int i = 0; i < 8; i++)
        {
            if (i == bestStart)
            {
                a.append("::");
                i += bestLength - 1;
                continue;
            }
            if (a.length() > 0 && a.charAt(a.length() - 1) != ':')
            {
                a.append(':');
            }
            a.append(Integer.toHexString(g[i]));
        }
        return a.toString();
    }

    /** Which way the connection's key goes: tcpdump orders by source address, then port. */
    private int compare(final int ip, final boolean v6)
    {
        final int length = v6 ? 16 : 4;
        final int src = ip + (v6 ? 8 : 12);
        final int dst = src + length;
        for (int i = 0; i < length; i++)
        {
            final int c = Integer.compare(d[src + i] & 0xFF, d[dst + i] & 0xFF);
            if (c != 0)
            {
                return c;
            }
        }
        return 0;
    }

    private long pseudo4(final int ip, final int protocol, final int length)
    {
        return (long)u16(ip + 12) + u16(ip + 14) + u16(ip + 16) + u16(ip + 18) + protocol + length;
    }

    /** The checksum a segment should carry: its sum with the checksum field taken as zero. */
    private int checksumWithout(final int at, final int length, final int field, final long pseudo)
    {
        long sum = pseudo;
        for (int i = 0; i < length; i += 2)
        {
            final int word = i + 1 < length ? (d[at + i] & 0xFF) << 8 | d[at + i + 1] & 0xFF : (d[at + i] & 0xFF) << 8;
            if (at + i != field)
            {
                sum += word;
            }
        }
        while ((sum >>> 16) != 0)
        {
            sum = (sum & 0xFFFF) + (sum >>> 16);
        }
        return (int)(~sum & 0xFFFF);
    }

    private int checksum6(final int ip, final int at, final int length, final int next, final int field)
    {
        long pseudo = (long)length + next;
        for (int i = 0; i < 32; i += 2)
        {
            pseudo += u16(ip + 8 + i);
        }
        return checksumWithout(at, length, field, pseudo);
    }
}
