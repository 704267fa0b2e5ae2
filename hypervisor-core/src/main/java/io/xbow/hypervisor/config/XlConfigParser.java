package io.xbow.hypervisor.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Reads xl.cfg files: {@code KEY = VALUE} settings, one a line or separated by {@code ;}; values are numbers,
 * strings in single or double quotes (with backslash escapes), or lists in square brackets that may span lines;
 * {@code #} starts a comment; a backslash at the end of a line continues it. The last setting of a key wins (with a
 * warning). Keys xbow does not act on are kept, silently, as xl accepts any key ({@link XlConfig#others}); xl's own
 * warnings are given where xl gives them ({@code kernel} for an HVM guest); anything else wrong is a
 * {@link ConfigException} naming the file, the line and the reason.
 */
public final class XlConfigParser
{
    private static final Set<String> ACTIONS = Set.of("destroy", "restart", "rename-restart", "preserve",
        "coredump-destroy", "coredump-restart", "soft-reset");
    private static final Set<String> KNOWN = Set.of("name", "uuid", "memory", "maxmem", "vcpus", "type", "builder",
        "on_poweroff", "on_reboot", "on_crash", "vif");

    private XlConfigParser()
    {
    }

    /**
     * @param file      an xl.cfg file.
     * @param overrides {@code key=value} settings from the command line, applied after the file.
     * @return the configuration.
     * @throws ConfigException naming the file, line and reason.
     */
    public static XlConfig parse(final Path file, final List<String> overrides) throws ConfigException
    {
        final String text;
        try
        {
            text = Files.readString(file, StandardCharsets.UTF_8);
        }
        catch (final IOException ex)
        {
            throw new ConfigException(file + ": cannot read: " + ex.getMessage());
        }
        return parse(file.toString(), text, overrides);
    }

    /**
     * @param source    the name to put in messages (a file name).
     * @param text      the configuration.
     * @param overrides {@code key=value} settings applied after it.
     * @return the configuration.
     * @throws ConfigException naming the source, line and reason.
     */
    public static XlConfig parse(final String source, final String text, final List<String> overrides)
        throws ConfigException
    {
        final Map<String, Setting> settings = new LinkedHashMap<>();
        final List<String> warnings = new ArrayList<>();
        new Reader(source, text, settings, warnings).statements();
        for (final String override : overrides)
        {
            new Reader("command line", override, settings, warnings).statements();
        }
        return build(source, settings, warnings);
    }

    /** A value and where it was set. */
    private record Setting(Object value, int line, String source)
    {
        String where()
        {
            return source + ":" + line + ": ";
        }
    }

    private static XlConfig build(final String source, final Map<String, Setting> settings, final List<String> warnings)
        throws ConfigException
    {
        final Map<String, Object> others = new LinkedHashMap<>();
        for (final Map.Entry<String, Setting> setting : settings.entrySet())
        {
            if (!KNOWN.contains(setting.getKey()))
            {
                others.put(setting.getKey(), setting.getValue().value());
            }
        }
        final Setting nameSetting = settings.get("name");
        if (nameSetting == null)
        {
            throw new ConfigException(source + ": domain name must be specified (name = \"...\")");
        }
        final String name = string(nameSetting, "name");
        if (!name.matches("[A-Za-z0-9_.-]{1,64}") || name.matches("[0-9]+"))
        {
            throw new ConfigException(nameSetting.where() + "invalid domain name '" + name +
                "': 1-64 letters, digits, '_', '.', '-', and not all digits");
        }
        UUID uuid = null;
        if (settings.containsKey("uuid"))
        {
            try
            {
                uuid = UUID.fromString(string(settings.get("uuid"), "uuid"));
            }
            catch (final IllegalArgumentException ex)
            {
                throw new ConfigException(settings.get("uuid").where() + "invalid uuid '" +
                    settings.get("uuid").value() + "'");
            }
        }
        final int memory = number(settings, "memory", 128, 1, 1 << 20);
        final int maxmem = number(settings, "maxmem", memory, memory, 1 << 20);
        final int vcpus = number(settings, "vcpus", 1, 1, 512);
        String type = "emulated";
        if (settings.containsKey("type"))
        {
            type = string(settings.get("type"), "type").toLowerCase(Locale.ROOT);
        }
        else if (settings.containsKey("builder"))
        {
            type = string(settings.get("builder"), "builder").equals("hvm") ? "hvm" : "pv";
        }
        if (!List.of("emulated", "netns", "pv", "pvh", "hvm").contains(type))
        {
            final Setting where = settings.containsKey("type") ? settings.get("type") : settings.get("builder");
            throw new ConfigException(where.where() + "invalid type '" + type + "': emulated, netns, pv, pvh or hvm");
        }
        if (type.equals("hvm") && others.get("kernel") instanceof String)
        {
            // xl's own words (xl_parse.c), on standard error, and the domain is still created.
            warnings.add("ignoring \"kernel\" directive for HVM guest. Use \"firmware_override\" instead if you " +
                "really want a non-default firmware");
        }
        final String onPoweroff = action(settings, "on_poweroff", "destroy");
        final String onReboot = action(settings, "on_reboot", "restart");
        final String onCrash = action(settings, "on_crash", "destroy");
        final List<VifSpec> vifs = new ArrayList<>();
        final Setting vif = settings.get("vif");
        if (vif != null)
        {
            if (!(vif.value() instanceof List))
            {
                throw new ConfigException(vif.where() + "vif must be a list: vif = [ '...', ... ]");
            }
            for (final Object entry : (List<?>)vif.value())
            {
                if (!(entry instanceof String))
                {
                    throw new ConfigException(vif.where() + "each vif must be a string");
                }
                try
                {
                    final VifSpec spec = VifSpec.parse((String)entry);
                    for (final String warning : spec.warnings())
                    {
                        warnings.add(vif.where() + warning);
                    }
                    vifs.add(spec);
                }
                catch (final IllegalArgumentException ex)
                {
                    throw new ConfigException(vif.where() + ex.getMessage());
                }
            }
        }
        return new XlConfig(name, uuid, memory, maxmem, vcpus, type, onPoweroff, onReboot, onCrash,
            List.copyOf(vifs), List.copyOf(warnings), Collections.unmodifiableMap(others));
    }

    private static String string(final Setting setting, final String key) throws ConfigException
    {
        if (!(setting.value() instanceof String))
        {
            throw new ConfigException(setting.where() + key + " must be a string");
        }
        return (String)setting.value();
    }

    private static int number(final Map<String, Setting> settings, final String key, final int fallback,
        final int min, final int max) throws ConfigException
    {
        final Setting setting = settings.get(key);
        if (setting == null)
        {
            return fallback;
        }
        final Object value = setting.value();
        final long n;
        if (value instanceof Long)
        {
            n = (Long)value;
        }
        else if (value instanceof String && ((String)value).matches("[0-9]{1,9}"))
        {
            n = Long.parseLong((String)value);
        }
        else
        {
            throw new ConfigException(setting.where() + key + " must be a number");
        }
        if (n < min || n > max)
        {
            throw new ConfigException(setting.where() + key + " must be " + min + "-" + max + ", got " + n);
        }
        return (int)n;
    }

    private static String action(final Map<String, Setting> settings, final String key, final String fallback)
        throws ConfigException
    {
        final Setting setting = settings.get(key);
        if (setting == null)
        {
            return fallback;
        }
        final String value = string(setting, key);
        if (!ACTIONS.contains(value))
        {
            throw new ConfigException(setting.where() + "invalid " + key + " action '" + value + "': one of " +
                String.join(", ", ACTIONS.stream().sorted().toList()));
        }
        return value;
    }

    /** The lexer and parser over one text. */
    private static final class Reader
    {
        private final String source;
        private final String text;
        private final Map<String, Setting> settings;
        private final List<String> warnings;
        private int pos;
        private int line = 1;

        Reader(final String source, final String text, final Map<String, Setting> settings, final List<String> warnings)
        {
            this.source = source;
            this.text = text;
            this.settings = settings;
            this.warnings = warnings;
        }

        void statements() throws ConfigException
        {
            while (true)
            {
                skipBlank(true);
                if (pos >= text.length())
                {
                    return;
                }
                final int keyLine = line;
                final String key = identifier();
                skipBlank(false);
                expect('=');
                skipBlank(false);
                final Object value = value();
                skipBlank(false);
                if (pos < text.length() && text.charAt(pos) != '\n' && text.charAt(pos) != ';')
                {
                    throw error("unexpected '" + text.charAt(pos) + "' after the value of " + key);
                }
                if (pos < text.length())
                {
                    if (text.charAt(pos) == '\n')
                    {
                        line++;
                    }
                    pos++;
                }
                final Setting old = settings.put(key, new Setting(value, keyLine, source));
                if (old != null)
                {
                    warnings.add(source + ":" + keyLine + ": " + key + " set again; the last setting wins");
                }
            }
        }

        private Object value() throws ConfigException
        {
            if (pos >= text.length())
            {
                throw error("missing value");
            }
            final char c = text.charAt(pos);
            if (c == '"' || c == '\'')
            {
                return string(c);
            }
            if (c == '[')
            {
                return list();
            }
            if (Character.isDigit(c) || c == '-')
            {
                final int start = pos++;
                while (pos < text.length() && (Character.isLetterOrDigit(text.charAt(pos)) || text.charAt(pos) == '.'))
                {
                    pos++;
                }
                final String number = text.substring(start, pos);
                try
                {
                    return number.startsWith("0x") ? Long.parseLong(number.substring(2), 16) : Long.parseLong(number);
                }
                catch (final NumberFormatException ex)
                {
                    throw error("invalid number '" + number + "'");
                }
            }
            throw error("expected a value (a number, a 'string' or a [list]), found '" + c + "'");
        }

        private String string(final char quote) throws ConfigException
        {
            final int startLine = line;
            final StringBuilder sb = new StringBuilder();
            pos++;
            while (pos < text.length())
            {
                final char c = text.charAt(pos++);
                if (c == quote)
                {
                    return sb.toString();
                }
                if (c == '\n')
                {
                    throw new ConfigException(source + ":" + startLine + ": unterminated string");
                }
                if (c == '\\' && pos < text.length())
                {
                    final char e = text.charAt(pos++);
                    sb.append(e == 'n' ? '\n' : e == 't' ? '\t' : e);
                    continue;
                }
                sb.append(c);
            }
            throw new ConfigException(source + ":" + startLine + ": unterminated string");
        }

        private List<Object> list() throws ConfigException
        {
            final int startLine = line;
            pos++;
            final List<Object> items = new ArrayList<>();
            while (true)
            {
                skipBlank(true);
                if (pos >= text.length())
                {
                    throw new ConfigException(source + ":" + startLine + ": list not closed with ']'");
                }
                if (text.charAt(pos) == ']')
                {
                    pos++;
                    return items;
                }
                items.add(value());
                skipBlank(true);
                if (pos < text.length() && text.charAt(pos) == ',')
                {
                    pos++;
                }
                else if (pos < text.length() && text.charAt(pos) != ']')
                {
                    throw error("expected ',' or ']' in the list");
                }
            }
        }

        private String identifier() throws ConfigException
        {
            final int start = pos;
            while (pos < text.length() && (Character.isLetterOrDigit(text.charAt(pos)) || text.charAt(pos) == '_'))
            {
                pos++;
            }
            if (pos == start || !Character.isLetter(text.charAt(start)))
            {
                throw error("expected a setting name, found '" + (pos < text.length() ? text.charAt(pos) : ' ') + "'");
            }
            return text.substring(start, pos);
        }

        private void expect(final char c) throws ConfigException
        {
            if (pos >= text.length() || text.charAt(pos) != c)
            {
                throw error("expected '" + c + "'");
            }
            pos++;
        }

        /** Skips spaces, comments and line continuations; newlines and ';' too when {@code newlines}. */
        private void skipBlank(final boolean newlines)
        {
            while (pos < text.length())
            {
                final char c = text.charAt(pos);
                if (c == '#')
                {
                    while (pos < text.length() && text.charAt(pos) != '\n')
                    {
                        pos++;
                    }
                }
                else if (c == '\\' && pos + 1 < text.length() && text.charAt(pos + 1) == '\n')
                {
                    pos += 2;
                    line++;
                }
                else if (c == ' ' || c == '\t' || c == '\r')
                {
                    pos++;
                }
                else if (newlines && (c == '\n' || c == ';'))
                {
                    if (c == '\n')
                    {
                        line++;
                    }
                    pos++;
                }
                else
                {
                    return;
                }
            }
        }

        private ConfigException error(final String reason)
        {
            return new ConfigException(source + ":" + line + ": " + reason);
        }
    }
}
