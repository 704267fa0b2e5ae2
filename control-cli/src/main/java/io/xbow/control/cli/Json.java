package io.xbow.control.cli;

import io.xbow.control.api.CommandFailure;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * JSON as xl prints it: yajl's indented form (four spaces a level, {@code "key": value}, one array element a line),
 * which Jackson's pretty printer does not produce ({@code "key" : value}, arrays on one line).
 */
final class Json
{
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String INDENT = "    ";

    private Json()
    {
    }

    /**
     * @return maps (in the text's key order), lists, strings, numbers, booleans and nulls.
     */
    static Object parse(final String text)
    {
        try
        {
            return MAPPER.readValue(text, Object.class);
        }
        catch (final Exception ex)
        {
            throw new CommandFailure("unreadable answer from xbowd: " + ex.getMessage(), 1);
        }
    }

    static void write(final StringBuilder sb, final Object value, final String indent)
    {
        if (value instanceof Map<?, ?> map)
        {
            if (map.isEmpty())
            {
                sb.append("{}");
                return;
            }
            sb.append("{\n");
            for (final Iterator<? extends Map.Entry<?, ?>> it = map.entrySet().iterator(); it.hasNext();)
            {
                final Map.Entry<?, ?> entry = it.next();
                sb.append(indent).append(INDENT);
                string(sb, String.valueOf(entry.getKey()));
                sb.append(": ");
                write(sb, entry.getValue(), indent + INDENT);
                sb.append(it.hasNext() ? ",\n" : "\n");
            }
            sb.append(indent).append('}');
        }
        else if (value instanceof List<?> list)
        {
            if (list.isEmpty())
            {
                sb.append("[]");
                return;
            }
            sb.append("[\n");
            for (int i = 0; i < list.size(); i++)
            {
                sb.append(indent).append(INDENT);
                write(sb, list.get(i), indent + INDENT);
                sb.append(i + 1 < list.size() ? ",\n" : "\n");
            }
            sb.append(indent).append(']');
        }
        else if (value instanceof String s)
        {
            string(sb, s);
        }
        else
        {
            sb.append(value); // numbers, booleans, null
        }
    }

    private static void string(final StringBuilder sb, final String s)
    {
        sb.append('"').append(JsonStringEncoder.getInstance().quoteAsString(s)).append('"');
    }
}
