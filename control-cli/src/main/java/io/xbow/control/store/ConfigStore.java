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
 * </pre>
 * Lines are in creation order, so that reading them back re-creates dependencies first. Writes are atomic: a
 * temporary file in the same directory, written and fsynced, renamed over the old one, and the directory fsynced,
 * so a crash or {@code kill -9} leaves either the old file or the new one. A file that does not read right is
 * reported with its name, line and reason and never overwritten.
 */
public final class ConfigStore
{
    /** The file's name inside the state directory. */
    public static final String FILE_NAME = "xbow.conf";
    private static final Set<String> KINDS = Set.of("etherstub", "vnic", "vlan");
    private static final Pattern KEY = Pattern.compile("[a-z][a-z0-9-]*");
    private static final String HEADER =
        "# xbow configuration, written by xbowd on every change: one object per line, in creation order.\n" +
        "# Edit only while xbowd is stopped; a line it cannot read stops it from starting.\n";

    private final Path file;

    /**
     * @param stateDirectory the daemon's state directory.
     */
    public ConfigStore(final Path stateDirectory)
    {
        this.file = stateDirectory.resolve(FILE_NAME);
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
            final String[] words = line.split("\\s+");
            if (!KINDS.contains(words[0]))
            {
                throw new ConfigException(where + "unknown object '" + words[0] + "'; expected etherstub, vnic or vlan");
            }
            if (words.length < 2)
            {
                throw new ConfigException(where + words[0] + " without a name");
            }
            if (!names.add(words[1]))
            {
                throw new ConfigException(where + "link " + words[1] + " appears twice");
            }
            final Map<String, String> attributes = new LinkedHashMap<>();
            for (int w = 2; w < words.length; w++)
            {
                final int eq = words[w].indexOf('=');
                if (eq <= 0 || eq == words[w].length() - 1 || !KEY.matcher(words[w].substring(0, eq)).matches())
                {
                    throw new ConfigException(where + "expected key=value, found '" + words[w] + "'");
                }
                if (attributes.put(words[w].substring(0, eq), words[w].substring(eq + 1)) != null)
                {
                    throw new ConfigException(where + "'" + words[w].substring(0, eq) + "' given twice");
                }
            }
            entries.add(new ConfigEntry(words[0], words[1], attributes, i + 1));
        }
        return entries;
    }

    /**
     * Replace the file with these objects, atomically and durably.
     *
     * @param entries the objects, in creation order.
     * @throws IOException if the file could not be written; the old file is then intact.
     */
    public void save(final List<ConfigEntry> entries) throws IOException
    {
        final StringBuilder sb = new StringBuilder(HEADER);
        for (final ConfigEntry entry : entries)
        {
            sb.append(entry.kind()).append(' ').append(entry.name());
            for (final Map.Entry<String, String> attribute : entry.attributes().entrySet())
            {
                sb.append(' ').append(attribute.getKey()).append('=').append(attribute.getValue());
            }
            sb.append('\n');
        }
        AtomicFile.write(file, sb.toString());
    }
}
