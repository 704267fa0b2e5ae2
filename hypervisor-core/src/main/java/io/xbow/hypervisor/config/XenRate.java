package io.xbow.hypervisor.config;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Xen's vif {@code rate} syntax: {@code RATE/s} or {@code RATE/s@INTERVAL}. RATE is a number with an optional
 * decimal multiplier {@code G}, {@code M} or {@code K}, then {@code B} for bytes or {@code b} for bits
 * ({@code 10Mb/s}, {@code 1MB/s}); INTERVAL is a number in {@code s} (the default unit), {@code ms} or {@code us},
 * 50 ms when not given. On xbow the rate becomes the VNIC's maxbw (bits per second) and the interval is kept for
 * display: the token bucket refills continuously.
 *
 * @param bytesPerSecond the rate.
 * @param intervalUs     the credit interval in microseconds.
 */
public record XenRate(long bytesPerSecond, long intervalUs)
{
    private static final Pattern RATE = Pattern.compile("^([0-9]+)([GMK]?)([Bb])/s(?:@([0-9]+)(ms|us|s)?)?$");
    /** xl's default credit interval. */
    public static final long DEFAULT_INTERVAL_US = 50_000;

    /**
     * @param text for example {@code 10Mb/s} or {@code 1MB/s@20ms}.
     * @return the rate.
     * @throws IllegalArgumentException saying what the syntax is.
     */
    public static XenRate parse(final String text)
    {
        final Matcher m = RATE.matcher(text == null ? "" : text.trim());
        if (!m.matches())
        {
            throw new IllegalArgumentException("invalid rate '" + text + "': expected RATE/s or RATE/s@INTERVAL, " +
                "for example 10Mb/s or 1MB/s@20ms (B = bytes, b = bits; G, M, K multipliers; s, ms, us intervals)");
        }
        long value = Long.parseLong(m.group(1));
        switch (m.group(2))
        {
            case "G": value *= 1_000_000_000L; break;
            case "M": value *= 1_000_000L; break;
            case "K": value *= 1_000L; break;
            default:
        }
        final long bytes = m.group(3).equals("b") ? value / 8 : value;
        long interval = DEFAULT_INTERVAL_US;
        if (m.group(4) != null)
        {
            final long n = Long.parseLong(m.group(4));
            final String unit = m.group(5) == null ? "s" : m.group(5);
            interval = unit.equals("us") ? n : unit.equals("ms") ? n * 1_000 : n * 1_000_000;
        }
        if (bytes <= 0 || interval <= 0)
        {
            throw new IllegalArgumentException("invalid rate '" + text + "': must be more than zero");
        }
        return new XenRate(bytes, interval);
    }

    /**
     * @return the rate in bits per second, as maxbw takes it.
     */
    public long bitsPerSecond()
    {
        return bytesPerSecond * 8;
    }

    /**
     * @return the value xenstore's {@code rate} key holds: credit bytes per interval, and the interval.
     */
    public String xenstoreValue()
    {
        return bytesPerSecond * intervalUs / 1_000_000 + "," + intervalUs;
    }
}
