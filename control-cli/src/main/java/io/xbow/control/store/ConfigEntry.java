package io.xbow.control.store;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One persistent object of the configuration: a line {@code KIND NAME key=value ...}.
 *
 * @param kind       {@code etherstub}, {@code vnic}, {@code vlan}.
 * @param name       the object's name.
 * @param attributes its attributes and persistent properties, in order.
 * @param line       the line it was read from, or 0 for one made in memory.
 */
public record ConfigEntry(String kind, String name, Map<String, String> attributes, int line)
{
    public ConfigEntry
    {
        attributes = Collections.unmodifiableMap(new LinkedHashMap<>(attributes));
    }

    /**
     * @param key an attribute.
     * @return its value, or null.
     */
    public String get(final String key)
    {
        return attributes.get(key);
    }

    public ConfigEntry with(final String key, final String value)
    {
        final Map<String, String> copy = new LinkedHashMap<>(attributes);
        if (value == null)
        {
            copy.remove(key);
        }
        else
        {
            copy.put(key, value);
        }
        return new ConfigEntry(kind, name, copy, line);
    }

    public ConfigEntry renamed(final String newName)
    {
        return new ConfigEntry(kind, newName, attributes, line);
    }
}
