package io.xbow.control.service;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A command's JSON arguments, read with type checks that become 400 answers.
 */
public final class ApiArgs
{
    private final Map<String, Object> args;

    public ApiArgs(final Map<String, Object> args)
    {
        this.args = args == null ? Map.of() : args;
    }

    public String string(final String name)
    {
        final Object value = args.get(name);
        if (value == null)
        {
            return null;
        }
        if (!(value instanceof String))
        {
            throw new IllegalArgumentException("argument '" + name + "' must be a string");
        }
        return (String)value;
    }

    public String required(final String name)
    {
        final String value = string(name);
        if (value == null)
        {
            throw new IllegalArgumentException("missing argument '" + name + "'");
        }
        return value;
    }

    public Integer integer(final String name)
    {
        final Object value = args.get(name);
        if (value == null)
        {
            return null;
        }
        if (!(value instanceof Integer))
        {
            throw new IllegalArgumentException("argument '" + name + "' must be an integer");
        }
        return (Integer)value;
    }

    public int requiredInteger(final String name)
    {
        final Integer value = integer(name);
        if (value == null)
        {
            throw new IllegalArgumentException("missing argument '" + name + "'");
        }
        return value;
    }

    public boolean flag(final String name)
    {
        final Object value = args.get(name);
        if (value != null && !(value instanceof Boolean))
        {
            throw new IllegalArgumentException("argument '" + name + "' must be true or false");
        }
        return Boolean.TRUE.equals(value);
    }

    public Collection<String> strings(final String name)
    {
        final Object value = args.get(name);
        if (value == null)
        {
            return List.of();
        }
        if (!(value instanceof List) || !((List<?>)value).stream().allMatch(v -> v instanceof String))
        {
            throw new IllegalArgumentException("argument '" + name + "' must be a list of strings");
        }
        final List<String> list = new ArrayList<>();
        for (final Object v : (List<?>)value)
        {
            list.add((String)v);
        }
        return list;
    }

    public Map<String, String> map(final String name)
    {
        final Object value = args.get(name);
        if (value == null)
        {
            return Map.of();
        }
        if (!(value instanceof Map) || !((Map<?, ?>)value).values().stream().allMatch(v -> v instanceof String))
        {
            throw new IllegalArgumentException("argument '" + name + "' must be an object of strings");
        }
        final Map<String, String> map = new LinkedHashMap<>();
        for (final Map.Entry<?, ?> entry : ((Map<?, ?>)value).entrySet())
        {
            map.put((String)entry.getKey(), (String)entry.getValue());
        }
        return map;
    }
}
