package io.xbow.vnic.prop;

/**
 * Bandwidth values as dladm writes them ({@code maxbw}): an integer with an optional unit, {@code K}, {@code M} or
 * {@code G} for kilo-, mega- and gigabits per second; a number without a unit is megabits per second. Held as bits
 * per second.
 */
public final class Bandwidth
{
    /** Lowest maxbw accepted: below it one full-size frame is more than a quarter second of budget. */
    public static final long MIN_BPS = 100_000;
    /** Highest maxbw accepted. */
    public static final long MAX_BPS = 1_000_000_000_000L;

    private Bandwidth()
    {
    }

    /**
     * @param text for example {@code 200M}, {@code 1500K}, {@code 1G} or {@code 100} (megabits).
     * @return bits per second.
     * @throws IllegalArgumentException saying what is allowed.
     */
    public static long parse(final String text)
    {
        final String t = text == null ? "" : text.trim();
        int end = t.length();
        long multiplier = 1_000_000;
        if (end > 0)
        {
            switch (Character.toUpperCase(t.charAt(end - 1)))
            {
                case 'K': multiplier = 1_000; end--; break;
                case 'M': multiplier = 1_000_000; end--; break;
                case 'G': multiplier = 1_000_000_000; end--; break;
                default:
            }
        }
        final String digits = t.substring(0, end);
        if (digits.isEmpty() || digits.length() > 13 || !digits.chars().allMatch(c -> c >= '0' && c <= '9'))
        {
            throw invalid(text);
        }
        final long bps = Long.parseLong(digits) * multiplier;
        if (bps < MIN_BPS || bps > MAX_BPS)
        {
            throw invalid(text);
        }
        return bps;
    }

    /**
     * @param bps bits per second.
     * @return the value as dladm shows it: megabits per second, with decimals only where needed ({@code 200},
     * {@code 1.5}).
     */
    public static String format(final long bps)
    {
        if (bps % 1_000_000 == 0)
        {
            return Long.toString(bps / 1_000_000);
        }
        final String s = String.format("%.3f", bps / 1e6);
        return s.replaceAll("0+$", "");
    }

    private static IllegalArgumentException invalid(final String text)
    {
        return new IllegalArgumentException("invalid maxbw '" + text + "': must be a number of megabits per second, " +
            "or a number with K, M or G (for example 200M, 1500K, 1G), from 100K to 1000G");
    }
}
