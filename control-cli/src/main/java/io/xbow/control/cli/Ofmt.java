package io.xbow.control.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * dladm's output formatting (illumos libofmt), so that scripts and eyes trained on dladm read xbow alike:
 * <ul>
 *   <li>human form: an upper-case header, each field left-aligned and padded to its width (the width includes the
 *   gap to the next column), the last field unpadded, an empty value printed as {@code --}; a value wider than its
 *   field pushes the following fields right and later fields give the overflow back where they have room;</li>
 *   <li>parsable form ({@code -p}, which requires {@code -o}): no header, values joined with {@code :}, and when
 *   more than one field is printed every {@code :} and {@code \} in a value escaped with {@code \}.</li>
 * </ul>
 */
public final class Ofmt
{
    /**
     * A column: its name and width.
     */
    public record Field(String name, int width)
    {
    }

    private final List<Field> fields;
    private final int[] indexes;
    private final boolean parsable;

    private Ofmt(final List<Field> fields, final int[] indexes, final boolean parsable)
    {
        this.fields = fields;
        this.indexes = indexes;
        this.parsable = parsable;
    }

    /**
     * @param all      every field the command has, in default order.
     * @param output   the {@code -o} list (comma-separated, any case, or {@code all}), or null for the defaults.
     * @param parsable {@code -p} (or {@code -c} for show-linkprop).
     * @param defaults how many of {@code all} are shown by default.
     * @return the formatter.
     * @throws UsageException for {@code -p} without {@code -o}, {@code -o all} with {@code -p}, or an unknown field.
     */
    public static Ofmt of(final List<Field> all, final String output, final boolean parsable, final int defaults)
    {
        if (parsable && output == null)
        {
            throw new UsageException("-p requires -o");
        }
        if (parsable && output.equalsIgnoreCase("all"))
        {
            throw new UsageException("\"-o all\" is invalid with -p");
        }
        final List<Field> chosen = new ArrayList<>();
        final List<Integer> indexes = new ArrayList<>();
        if (output == null || output.equalsIgnoreCase("all"))
        {
            final int n = output == null ? defaults : all.size();
            for (int i = 0; i < n; i++)
            {
                chosen.add(all.get(i));
                indexes.add(i);
            }
        }
        else
        {
            for (final String name : output.split(","))
            {
                int found = -1;
                for (int i = 0; i < all.size(); i++)
                {
                    if (all.get(i).name().equals(name.trim().toUpperCase(Locale.ROOT)))
                    {
                        found = i;
                    }
                }
                if (found < 0)
                {
                    throw new UsageException("invalid field(s) specified: " + name.trim());
                }
                chosen.add(all.get(found));
                indexes.add(found);
            }
        }
        return new Ofmt(chosen, indexes.stream().mapToInt(Integer::intValue).toArray(), parsable);
    }

    /**
     * @return the header line, or null in parsable form.
     */
    /**
     * Print a table as illumos's ofmt does: a header and aligned rows, or with {@code -p} parsable rows; a bad
     * {@code -o} or {@code -p} without it is the program's one-line error, exit status 1 (as ipadm's die()).
     */
    static void print(final PrintWriter out, final io.xbow.control.service.Table table, final List<Field> fields,
        final String output, final boolean parsable, final String program)
    {
        if (parsable && output == null)
        {
            throw new io.xbow.control.api.CommandFailure(program + ": -p requires -o", 1);
        }
        final Ofmt ofmt;
        try
        {
            ofmt = of(fields, output, parsable, fields.size());
        }
        catch (final UsageException ex)
        {
            throw new io.xbow.control.api.CommandFailure(program + ": " + ex.getMessage(), 1);
        }
        final String header = ofmt.header();
        if (header != null)
        {
            out.println(header);
        }
        for (final List<String> row : table.rows())
        {
            out.println(ofmt.row(row));
        }
        out.flush();
    }

    public String header()
    {
        if (parsable)
        {
            return null;
        }
        final List<String> names = new ArrayList<>();
        for (final Field field : fields)
        {
            names.add(field.name());
        }
        return human(names, false);
    }

    /**
     * @param row every field's value, in the order of {@code all}.
     * @return the line.
     */
    public String row(final List<String> row)
    {
        final List<String> values = new ArrayList<>();
        for (final int index : indexes)
        {
            values.add(row.get(index));
        }
        return parsable ? parsable(values) : human(values, true);
    }

    private String parsable(final List<String> values)
    {
        if (values.size() == 1)
        {
            return values.get(0);
        }
        final StringBuilder sb = new StringBuilder();
        for (int i = 0; i < values.size(); i++)
        {
            for (final char c : values.get(i).toCharArray())
            {
                if (c == ':' || c == '\\')
                {
                    sb.append('\\');
                }
                sb.append(c);
            }
            if (i + 1 < values.size())
            {
                sb.append(':');
            }
        }
        return sb.toString();
    }

    private String human(final List<String> values, final boolean undefinedAsDashes)
    {
        final StringBuilder sb = new StringBuilder();
        int overflow = 0;
        for (int i = 0; i < values.size(); i++)
        {
            String value = values.get(i);
            if (undefinedAsDashes && value.isEmpty())
            {
                value = "--";
            }
            if (i + 1 == values.size())
            {
                sb.append(value);
                break;
            }
            int width = fields.get(i).width();
            final int length = value.length();
            if (length + overflow >= width)
            {
                overflow += length - width + 1;
                sb.append(value).append(' ');
                continue;
            }
            if (overflow > 0)
            {
                final int compress = Math.min(overflow, width - length);
                overflow -= compress;
                width -= compress;
            }
            sb.append(value);
            for (int pad = length; pad < width; pad++)
            {
                sb.append(' ');
            }
        }
        return sb.toString();
    }
}
