package io.xbow.control.store;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The daemon's configuration file, one object per line in the spirit of Solaris' {@code datalink.conf}:
 * <pre>
 *   # comments and blank lines are kept out
 *   etherstub stub0
 *   vnic vnic1 over=stub0 mac=2:8:20:1:2:3 mactype=random vid=100 maxbw=200M priority=low
 *   vlan net2000 over=net0 vid=2
 *   phys eth1 mtu=9000
 * </pre>
 * A {@code phys} line holds the properties set on a host interface's physical link (the interface itself is the
 * host's: the line only says what xbow sets on it).
 * A value with anything but letters, digits and {@code ._:/,+@%=-} is double-quoted, with {@code \"},
 * {@code \\} and line ends ({@code \n}, {@code \r}) escaped, so every value reads back as it was written.
 * Lines are in creation order, so that reading them back re-creates dependencies first. Writes are atomic: a
 * temporary file in the same directory, written and fsynced, renamed over the old one, and the directory fsynced,
 * so a crash or {@code kill -9} leaves either the old file or the new one. A file that does not read right is
 * reported with its name, line and reason and never overwritten.
 */
public final class ConfigStore
{
    /** The file's name inside the state directory. */
    public static final String FILE_NAME = "xbow.conf";
    private static final Set<String> KINDS = Set.of("etherstub", "vnic", "vlan", "phys");
    private static final Pattern KEY = Pattern.compile("[a-z][a-z0-9-]*");
    /** Values written without quotes: nothing that separates, quotes, escapes or starts a comment. */
    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9._:/,+@%=-]+");
    private static final String HEADER =
        "# xbow configuration, written by xbowd on every change: one object per line, in creation order.\n" +
        "# Edit only while xbowd is stopped; a line it cannot read stops it from starting.\n";

    /** The L3 configuration's file (addresses, routes, forwarding), beside {@link #FILE_NAME}. */
    public static final String L3_FILE_NAME = "l3.conf";
    private static final Set<String> L3_KINDS = Set.of("addr", "route", "forwarding", "pool", "host", "ipnat");
    /** The DHCP servers' leases, beside {@link #L3_FILE_NAME}: written by xbowd as leases are made and end. */
    public static final String LEASES_FILE_NAME = "dhcp.leases";
    private static final Set<String> LEASE_KINDS = Set.of("lease");
    private static final String LEASES_HEADER =
        "# DHCP leases of xbow's router, written by xbowd as they are made and end: lease ADDROBJ@MAC address= " +
        "expires=(epoch seconds)\n";
    private static final String L3_HEADER =
        "# xbow L3 configuration (ipadm addresses, route -p routes, routeadm), written by xbowd on every change.\n" +
        "# Edit only while xbowd is stopped; a line it cannot read stops it from starting.\n";

    private final Path file;
    private final Set<String> kinds;
    private final String header;

    /**
     * The links' configuration.
     *
     * @param stateDirectory the daemon's state directory.
     */
    public ConfigStore(final Path stateDirectory)
    {
        this(stateDirectory.resolve(FILE_NAME), KINDS, HEADER);
    }

    private ConfigStore(final Path file, final Set<String> kinds, final String header)
    {
        this.file = file;
        this.kinds = kinds;
        this.header = header;
    }

    /** The DHCP leases, beside this (L3) configuration. */
    public ConfigStore leases()
    {
        return new ConfigStore(file.resolveSibling(LEASES_FILE_NAME), LEASE_KINDS, LEASES_HEADER);
    }

    /**
     * The router's configuration, in a file of its own as illumos keeps ipadm's, route's and routeadm's apart from
     * dladm's: {@code addr net0/v4 address=198.51.100.2/24}, {@code route 10.0.0.0/8 gateway=192.0.2.1},
     * {@code forwarding ipv4 enabled=yes}.
     *
     * @param stateDirectory the daemon's state directory.
     */
    public static ConfigStore l3(final Path stateDirectory)
    {
        return new ConfigStore(stateDirectory.resolve(L3_FILE_NAME), L3_KINDS, L3_HEADER);
    }

    public Path file()
    {
        return file;
    }

    /**
     * @return the objects in the file, in order; none if there is no file yet.
     * @throws ConfigException naming the file, line and reason for anything that does not read right.
     */
    public List<ConfigEntry> load() throws ConfigException
    {
        if (!Files.exists(file))
        {
            return List.of();
        }
        final List<String> lines;
        try
        {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        }
        catch (final IOException ex)
        {
            throw new ConfigException(file + ": cannot read: " + ex.getMessage(), ex);
        }
        final List<ConfigEntry> entries = new ArrayList<>();
        final Set<String> names = new HashSet<>();
        for (int i = 0; i < lines.size(); i++)
        {
            final String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#"))
            {
                continue;
            }
            final String where = file + ":" + (i + 1) + ": ";
            final List<String> words = words(line, where);
            if (!kinds.contains(words.get(0)))
            {
                throw new ConfigException(where + "unknown object '" + words.get(0) + "'; expected " +
                    (kinds == KINDS ? "etherstub, vnic, vlan or phys" : kinds == LEASE_KINDS ? "lease" :
                    "addr, route, forwarding, pool, host or ipnat"));
            }
            if (words.size() < 2)
            {
                throw new ConfigException(where + words.get(0) + " without a name");
            }
            if (!names.add(words.get(0) + " " + words.get(1)) || kinds == KINDS && !names.add(words.get(1)))
            {
                throw new ConfigException(where + (kinds == KINDS ? "link" : words.get(0)) + " " + words.get(1) +
                    " appears twice");
            }
            final Map<String, String> attributes = new LinkedHashMap<>();
            for (int w = 2; w < words.size(); w++)
            {
                final String word = words.get(w);
                final int eq = word.indexOf('=');
                if (eq <= 0 || eq == word.length() - 1 || !KEY.matcher(word.substring(0, eq)).matches())
                {
                    throw new ConfigException(where + "expected key=value, found '" + word + "'");
                }
                if (attributes.put(word.substring(0, eq), word.substring(eq + 1)) != null)
                {
                    throw new ConfigException(where + "'" + word.substring(0, eq) + "' given twice");
                }
            }
            entries.add(new ConfigEntry(words.get(0), words.get(1), attributes, i + 1));
        }
        return entries;
    }

    /**
     * Split a line into words: white space separates them, and a double-quoted stretch (with {@code \\"} and
     * {@code \\\\} inside) is part of its word, so that any value can be written and read back unchanged.
     */
    static List<String> words(final String line, final String where) throws ConfigException
    {
        final List<String> words = new ArrayList<>();
        final StringBuilder word = new StringBuilder();
        boolean inWord = false;
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++)
        {
            final char c = line.charAt(i);
            if (quoted)
            {
                if (c == '\\' && i + 1 < line.length())
                {
                    final char escaped = line.charAt(++i);
                    word.append(escaped == 'n' ? '\n' : escaped == 'r' ? '\r' : escaped);
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    word.append(c);
                }
            }
            else if (Character.isWhitespace(c))
            {
                if (inWord)
                {
                    words.add(word.toString());
                    word.setLength(0);
                    inWord = false;
                }
            }
            else
            {
                inWord = true;
                if (c == '"')
                {
                    quoted = true;
                }
                else
                {
                    word.append(c);
                }
            }
        }
        if (quoted)
        {
            throw new ConfigException(where + "unterminated quoted value");
        }
        if (inWord)
        {
            words.add(word.toString());
        }
        return words;
    }

    /** A value as {@link #words} reads it back: bare when that is unambiguous, else double-quoted. */
    static void quote(final StringBuilder sb, final String value)
    {
        if (SAFE.matcher(value).matches())
        {
            sb.append(value);
            return;
        }
        sb.append('"');
        for (int i = 0; i < value.length(); i++)
        {
            final char c = value.charAt(i);
            if (c == '"' || c == '\\')
            {
                sb.append('\\');
            }
            sb.append(c == '\n' ? "\\n" : c == '\r' ? "\\r" : String.valueOf(c));
        }
        sb.append('"');
    }

    /**
     * Change a persistent model and write it; if the write fails, undo the model change and the live one, and say
     * so. Without a store (nothing persistent) the change is made and nothing written.
     *
     * @param store      where the model is kept, or null.
     * @param persistent the model, in creation order: what the file holds.
     * @param update     changes the model.
     * @param undo       undoes the live change that went with it.
     * @throws java.io.UncheckedIOException naming the file, when nothing was changed.
     */
    public static void change(final ConfigStore store, final Map<String, ConfigEntry> persistent,
        final Runnable update, final Runnable undo)
    {
        if (store == null)
        {
            update.run();
            return;
        }
        final Map<String, ConfigEntry> before = new LinkedHashMap<>(persistent);
        update.run();
        try
        {
            store.save(new ArrayList<>(persistent.values()));
        }
        catch (final IOException ex)
        {
            persistent.clear();
            persistent.putAll(before);
            undo.run();
            throw new java.io.UncheckedIOException("configuration could not be saved (" + store.file() + "): " +
                ex.getMessage() + "; nothing was changed", ex);
        }
    }

    /**
     * Replace the file with these objects, atomically and durably.
     *
     * @param entries the objects, in creation order.
     * @throws IOException if the file could not be written; the old file is then intact.
     */
    public void save(final List<ConfigEntry> entries) throws IOException
    {
        final StringBuilder sb = new StringBuilder(header);
        for (final ConfigEntry entry : entries)
        {
            sb.append(entry.kind()).append(' ').append(entry.name());
            for (final Map.Entry<String, String> attribute : entry.attributes().entrySet())
            {
                sb.append(' ').append(attribute.getKey()).append('=');
                quote(sb, attribute.getValue());
            }
            sb.append('\n');
        }
        AtomicFile.write(file, sb.toString());
    }
}
