package io.xbow.control.cli;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * dladm's {@code -p prop=value[,...]}: properties separated by commas, where a value may itself be a
 * comma-separated list ({@code -p protection=mac-nospoof,ip-nospoof,maxbw=100M}): a token without {@code =}
 * belongs to the value before it. {@code -p} may also be repeated.
 */
final class PropertyList
{
    private PropertyList()
    {
    }

    static Map<String, String> parse(final Iterable<String> options)
    {
        final Map<String, String> properties = new LinkedHashMap<>();
        for (final String option : options)
        {
            String current = null;
            for (final String token : option.split(","))
            {
                final int eq = token.indexOf('=');
                if (eq > 0)
                {
                    current = token.substring(0, eq).trim();
                    if (properties.containsKey(current))
                    {
                        throw new UsageException("property '" + current + "' specified more than once");
                    }
                    properties.put(current, token.substring(eq + 1).trim());
                }
                else if (current != null && !token.isBlank())
                {
                    properties.put(current, properties.get(current) + "," + token.trim());
                }
                else
                {
                    throw new UsageException("invalid property list '" + option + "': expected prop=value[,...]");
                }
            }
        }
        return properties;
    }
}
