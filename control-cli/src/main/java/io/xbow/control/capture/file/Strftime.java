package io.xbow.control.capture.file;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.TextStyle;
import java.util.Locale;

/**
 * The strftime(3) conversions that tcpdump's -G file names use, in the C locale. An unknown conversion is kept as
 * written, as glibc does.
 */
final class Strftime
{
    private static final DateTimeFormatter OFFSET = DateTimeFormatter.ofPattern("xx", Locale.ROOT);

    private Strftime()
    {
    }

    static String format(final String pattern, final Instant instant, final ZoneId zone)
    {
        final ZonedDateTime t = instant.atZone(zone);
        final StringBuilder out = new StringBuilder(pattern.length() + 16);
        for (int i = 0; i < pattern.length(); i++)
        {
            final char c = pattern.charAt(i);
            if (c != '%' || i + 1 == pattern.length())
            {
                out.append(c);
                continue;
            }
            final char conversion = pattern.charAt(++i);
            switch (conversion)
            {
                case 'Y': out.append(t.getYear()); break;
                case 'y': pad(out, t.getYear() % 100, 2); break;
                case 'C': pad(out, t.getYear() / 100, 2); break;
                case 'm': pad(out, t.getMonthValue(), 2); break;
                case 'd': pad(out, t.getDayOfMonth(), 2); break;
                case 'e': out.append(t.getDayOfMonth() < 10 ? " " : "").append(t.getDayOfMonth()); break;
                case 'j': pad(out, t.getDayOfYear(), 3); break;
                case 'H': pad(out, t.getHour(), 2); break;
                case 'k': out.append(t.getHour() < 10 ? " " : "").append(t.getHour()); break;
                case 'I': pad(out, (t.getHour() + 11) % 12 + 1, 2); break;
                case 'l': out.append(String.format(Locale.ROOT, "%2d", (t.getHour() + 11) % 12 + 1)); break;
                case 'M': pad(out, t.getMinute(), 2); break;
                case 'S': pad(out, t.getSecond(), 2); break;
                case 'p': out.append(t.getHour() < 12 ? "AM" : "PM"); break;
                case 's': out.append(instant.getEpochSecond()); break;
                case 'u': out.append(t.getDayOfWeek().getValue()); break;
                case 'w': out.append(t.getDayOfWeek().getValue() % 7); break;
                case 'a': out.append(t.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.ROOT)); break;
                case 'A': out.append(t.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.ROOT)); break;
                case 'b':
                case 'h': out.append(t.getMonth().getDisplayName(TextStyle.SHORT, Locale.ROOT)); break;
                case 'B': out.append(t.getMonth().getDisplayName(TextStyle.FULL, Locale.ROOT)); break;
                case 'F': out.append(format("%Y-%m-%d", instant, zone)); break;
                case 'T': out.append(format("%H:%M:%S", instant, zone)); break;
                case 'R': out.append(format("%H:%M", instant, zone)); break;
                case 'D': out.append(format("%m/%d/%y", instant, zone)); break;
                case 'z': out.append(OFFSET.format(t)); break;
                case 'Z': out.append(t.getZone().getDisplayName(TextStyle.SHORT, Locale.ROOT)); break;
                case 'n': out.append('\n'); break;
                case 't': out.append('\t'); break;
                case '%': out.append('%'); break;
                default: out.append('%').append(conversion);
            }
        }
        return out.toString();
    }

    private static void pad(final StringBuilder out, final int value, final int width)
    {
        final String digits = Integer.toString(value);
        for (int i = digits.length(); i < width; i++)
        {
            out.append('0');
        }
        out.append(digits);
    }
}
