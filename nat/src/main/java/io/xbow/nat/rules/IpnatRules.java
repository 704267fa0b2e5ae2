package io.xbow.nat.rules;

import io.xbow.packet.address.Ipv4Address;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * ipnat.conf's rules, the subset xbow's NAT serves (illumos ipnat(4), NetBSD's grammar):
 * <pre>
 *   map IFNAME SRC/MASK -> DST/MASK [portmap tcp|udp|tcp/udp PORT:PORT|auto] [age SECONDS[/SECONDS]]
 *   rdr IFNAME ADDR/MASK port PORT[-PORT] -> IP[,IP...] port PORT [tcp|udp|tcp/udp] [round-robin]
 *   bimap IFNAME INSIDE/MASK -> OUTSIDE/MASK
 * </pre>
 * A mask is a prefix length or a dotted mask; {@code 0/32} as a map's or bimap's outside address means the
 * interface's own. {@code #} starts a comment. A file is read whole or not at all: the first line that does not
 * read right is reported with its file, line and reason, and no rule of the file is returned.
 */
public final class IpnatRules
{
    /** Protocols a rule applies to: bits of these. */
    public static final int TCP = 1;
    public static final int UDP = 2;

    private IpnatRules()
    {
    }

    /** A rule, as read; {@link #toString()} prints it as {@code ipnat -l} lists it. */
    public sealed interface Rule permits Map, Rdr, Bimap
    {
        String ifname();
    }

    /**
     * {@code map}: the source prefix, the outside address (0: the interface's own) and its prefix, the protocols whose
     * ports are mapped ({@code portmap}; 0 for none: addresses only), the port range (0-0 for {@code auto}), and the
     * timeouts in seconds ({@code age}; 0 for the defaults).
     */
    public record Map(String ifname, int source, int sourceLength, int outside, int outsideLength, int portmap,
        int firstPort, int lastPort, int ageSeconds, int ageReplySeconds) implements Rule
    {
        public boolean auto()
        {
            return portmap != 0 && firstPort == 0;
        }

        @Override
        public String toString()
        {
            final StringBuilder sb = new StringBuilder("map ").append(ifname).append(' ')
                .append(prefix(source, sourceLength)).append(" -> ").append(prefix(outside, outsideLength));
            if (portmap != 0)
            {
                sb.append(" portmap ").append(protocolNames(portmap)).append(' ')
                    .append(auto() ? "auto" : firstPort + ":" + lastPort);
            }
            if (ageSeconds != 0)
            {
                sb.append(" age ").append(ageSeconds);
                if (ageReplySeconds != ageSeconds)
                {
                    sb.append('/').append(ageReplySeconds);
                }
            }
            return sb.toString();
        }
    }

    /** {@code rdr}: a published port range of an address, to one or more inside addresses' port. */
    public record Rdr(String ifname, int address, int addressLength, int firstPort, int lastPort, int[] targets,
        int targetPort, int protocols, boolean roundRobin) implements Rule
    {
        public Rdr
        {
            targets = targets.clone();
        }

        @Override
        public int[] targets()
        {
            return targets.clone();
        }

        @Override
        public String toString()
        {
            final StringBuilder sb = new StringBuilder("rdr ").append(ifname).append(' ')
                .append(prefix(address, addressLength)).append(" port ").append(firstPort);
            if (lastPort != firstPort)
            {
                sb.append('-').append(lastPort);
            }
            sb.append(" -> ");
            for (int i = 0; i < targets.length; i++)
            {
                sb.append(i == 0 ? "" : ",").append(Ipv4Address.format(targets[i]));
            }
            sb.append(" port ").append(targetPort).append(' ').append(protocolNames(protocols));
            if (roundRobin)
            {
                sb.append(" round-robin");
            }
            return sb.toString();
        }
    }

    /** {@code bimap}: an inside address and an outside one, both ways. */
    public record Bimap(String ifname, int inside, int insideLength, int outside, int outsideLength) implements Rule
    {
        @Override
        public String toString()
        {
            return "bimap " + ifname + " " + prefix(inside, insideLength) + " -> " + prefix(outside, outsideLength);
        }
    }

    /** A file that does not read right: its name, line and reason. */
    public static final class RuleException extends IllegalArgumentException
    {
        public RuleException(final String message)
        {
            super(message);
        }
    }

    /**
     * @param text   the rules, one a line.
     * @param source where they came from, for messages ({@code FILE}, or {@code -} for standard input).
     * @return the rules in order.
     * @throws RuleException {@code SOURCE:LINE: reason} for the first line that does not read right.
     */
    public static List<Rule> parse(final String text, final String source)
    {
        final List<Rule> rules = new ArrayList<>();
        final String[] lines = text.split("\n", -1);
        for (int n = 0; n < lines.length; n++)
        {
            String line = lines[n];
            final int hash = line.indexOf('#');
            if (hash >= 0)
            {
                line = line.substring(0, hash);
            }
            line = line.strip();
            if (line.isEmpty())
            {
                continue;
            }
            try
            {
                rules.add(rule(new Words(line)));
            }
            catch (final IllegalArgumentException ex)
            {
                throw new RuleException(source + ":" + (n + 1) + ": " + ex.getMessage());
            }
        }
        return rules;
    }

    private static Rule rule(final Words w)
    {
        final String keyword = w.next("a rule (map, rdr or bimap)");
        switch (keyword)
        {
            case "map":
            {
                final String ifname = ifname(w.next("an interface"));
                final int[] from = prefix(w.next("the source address/mask"));
                w.expect("->");
                final int[] to = prefix(w.next("the outside address/mask"));
                int portmap = 0;
                int first = 0;
                int last = 0;
                int age = 0;
                int ageReply = 0;
                while (w.hasNext())
                {
                    final String option = w.next("an option");
                    if (option.equals("portmap"))
                    {
                        portmap = protocols(w.next("tcp, udp or tcp/udp after portmap"));
                        final String range = w.next("a port range (PORT:PORT) or auto");
                        if (!range.equals("auto"))
                        {
                            final int colon = range.indexOf(':');
                            if (colon < 0)
                            {
                                throw new IllegalArgumentException("portmap range '" + range + "': PORT:PORT or auto");
                            }
                            first = port(range.substring(0, colon));
                            last = port(range.substring(colon + 1));
                            if (first > last)
                            {
                                throw new IllegalArgumentException("portmap range " + range + " runs backwards");
                            }
                        }
                    }
                    else if (option.equals("age"))
                    {
                        final String value = w.next("seconds after age");
                        final int slash = value.indexOf('/');
                        age = seconds(slash < 0 ? value : value.substring(0, slash));
                        ageReply = slash < 0 ? age : seconds(value.substring(slash + 1));
                    }
                    else
                    {
                        throw new IllegalArgumentException("unknown map option '" + option + "': portmap or age");
                    }
                }
                return new Map(ifname, from[0], from[1], to[0], to[1], portmap, first, last, age, ageReply);
            }
            case "rdr":
            {
                final String ifname = ifname(w.next("an interface"));
                final int[] address = prefix(w.next("the published address/mask"));
                w.expect("port");
                final String ports = w.next("a port or PORT-PORT");
                final int dash = ports.indexOf('-');
                final int first = port(dash < 0 ? ports : ports.substring(0, dash));
                final int last = dash < 0 ? first : port(ports.substring(dash + 1));
                if (first > last)
                {
                    throw new IllegalArgumentException("port range " + ports + " runs backwards");
                }
                w.expect("->");
                final String[] list = w.next("the inside address(es)").split(",");
                final int[] targets = new int[list.length];
                for (int i = 0; i < list.length; i++)
                {
                    targets[i] = address(list[i]);
                }
                w.expect("port");
                final int targetPort = port(w.next("the inside port"));
                int protocols = TCP;
                boolean roundRobin = false;
                while (w.hasNext())
                {
                    final String option = w.next("an option");
                    if (option.equals("round-robin") || option.equals("rr"))
                    {
                        roundRobin = true;
                    }
                    else
                    {
                        protocols = protocols(option);
                    }
                }
                return new Rdr(ifname, address[0], address[1], first, last, targets, targetPort, protocols,
                    roundRobin);
            }
            case "bimap":
            {
                final String ifname = ifname(w.next("an interface"));
                final int[] inside = prefix(w.next("the inside address/mask"));
                w.expect("->");
                final int[] outside = prefix(w.next("the outside address/mask"));
                if (w.hasNext())
                {
                    throw new IllegalArgumentException("unexpected '" + w.next("") + "' after a bimap rule");
                }
                if (inside[1] != outside[1])
                {
                    throw new IllegalArgumentException("bimap's inside and outside masks differ");
                }
                return new Bimap(ifname, inside[0], inside[1], outside[0], outside[1]);
            }
            default:
                throw new IllegalArgumentException("unknown rule '" + keyword + "': map, rdr or bimap");
        }
    }

    private static String ifname(final String word)
    {
        if (!word.matches("[A-Za-z][A-Za-z0-9_]{0,30}[0-9]"))
        {
            throw new IllegalArgumentException("'" + word + "' is not an interface name");
        }
        return word;
    }

    /** {@code ADDR/LEN} or {@code ADDR/DOTTED.MASK}; {@code 0/32} (or {@code 0.0.0.0/32}): address 0. */
    private static int[] prefix(final String word)
    {
        final int slash = word.indexOf('/');
        if (slash < 0)
        {
            throw new IllegalArgumentException("'" + word + "': an address and a mask, ADDR/MASK");
        }
        final String a = word.substring(0, slash);
        final String m = word.substring(slash + 1);
        final int address = a.equals("0") ? 0 : address(a);
        final int length;
        if (m.matches("[0-9]{1,2}"))
        {
            length = Integer.parseInt(m);
            if (length > 32)
            {
                throw new IllegalArgumentException("mask /" + m + " is longer than 32");
            }
        }
        else
        {
            final int mask = address(m);
            length = Integer.bitCount(mask);
            if (mask != (length == 0 ? 0 : -1 << (32 - length)))
            {
                throw new IllegalArgumentException("mask " + m + " is not contiguous");
            }
        }
        final int masked = length == 0 ? 0 : address & (-1 << (32 - length));
        if (masked != address && length != 32)
        {
            throw new IllegalArgumentException(word + " has host bits set past its mask");
        }
        return new int[] {address, length};
    }

    private static int address(final String text)
    {
        try
        {
            return Ipv4Address.parse(text);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new IllegalArgumentException("'" + text + "' is not an IPv4 address");
        }
    }

    private static int port(final String text)
    {
        if (!text.matches("[0-9]{1,5}") || Integer.parseInt(text) < 1 || Integer.parseInt(text) > 65535)
        {
            throw new IllegalArgumentException("port '" + text + "': 1 to 65535");
        }
        return Integer.parseInt(text);
    }

    private static int seconds(final String text)
    {
        if (!text.matches("[0-9]{1,7}") || Integer.parseInt(text) < 1)
        {
            throw new IllegalArgumentException("age '" + text + "': seconds, at least 1");
        }
        return Integer.parseInt(text);
    }

    private static int protocols(final String text)
    {
        return switch (text.toLowerCase(Locale.ROOT))
        {
            case "tcp" -> TCP;
            case "udp" -> UDP;
            case "tcp/udp", "tcpudp" -> TCP | UDP;
            default -> throw new IllegalArgumentException("'" + text + "': tcp, udp or tcp/udp");
        };
    }

    private static String protocolNames(final int bits)
    {
        return bits == (TCP | UDP) ? "tcp/udp" : bits == TCP ? "tcp" : "udp";
    }

    static String prefix(final int address, final int length)
    {
        return (address == 0 && length == 32 ? "0.0.0.0" : Ipv4Address.format(address)) + "/" + length;
    }

    /** A line's words, read in order. */
    private static final class Words
    {
        private final String[] words;
        private int next;

        Words(final String line)
        {
            this.words = line.split("\\s+");
        }

        boolean hasNext()
        {
            return next < words.length;
        }

        String next(final String what)
        {
            if (next == words.length)
            {
                throw new IllegalArgumentException("the line ends where " + what + " was expected");
            }
            return words[next++];
        }

        void expect(final String word)
        {
            final String found = next("'" + word + "'");
            if (!found.equals(word))
            {
                throw new IllegalArgumentException("'" + word + "' expected, found '" + found + "'");
            }
        }
    }
}
