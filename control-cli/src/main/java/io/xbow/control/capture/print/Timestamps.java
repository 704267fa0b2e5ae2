package io.xbow.control.capture.print;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.Locale;

/**
 * tcpdump's time stamps: the time of day (default), none ({@code -t}), seconds since the epoch ({@code -tt}), the
 * time since the previous frame ({@code -ttt}), date and time ({@code -tttt}), the time since the first frame
 * ({@code -ttttt}); microseconds, each followed by a space (the two deltas also preceded by one, as tcpdump's).
 */
final class Timestamps
{
    private final int mode;
    private final ZoneId zone;
    private long firstNs = Long.MIN_VALUE;
    private long previousNs = Long.MIN_VALUE;

    /** @param mode 0, or 1 to 5 for -t to -ttttt. */
    Timestamps(final int mode, final ZoneId zone)
    {
        this.mode = mode;
        this.zone = zone;
    }

    void print(final StringBuilder sb, final long ns)
    {
        if (firstNs == Long.MIN_VALUE)
        {
            firstNs = ns;
        }
        final long micros = Math.floorMod(ns / 1000, 1_000_000L);
        switch (mode)
        {
            case 1:
                break;
            case 2:
                sb.append(Math.floorDiv(ns, 1_000_000_000L)).append('.').append(String.format("%06d", micros))
                    .append(' ');
                break;
            case 3:
                delta(sb, previousNs == Long.MIN_VALUE ? 0 : ns - previousNs);
                break;
            case 4:
            {
                final ZonedDateTime t = Instant.ofEpochSecond(0, ns).atZone(zone);
                sb.append(String.format(Locale.ROOT, "%04d-%02d-%02d %02d:%02d:%02d.%06d ", t.getYear(),
                    t.getMonthValue(), t.getDayOfMonth(), t.getHour(), t.getMinute(), t.getSecond(), micros));
                break;
            }
            case 5:
                delta(sb, ns - firstNs);
                break;
            default:
            {
                final ZonedDateTime t = Instant.ofEpochSecond(0, ns).atZone(zone);
                sb.append(String.format(Locale.ROOT, "%02d:%02d:%02d.%06d ", t.getHour(), t.getMinute(),
                    t.getSecond(), micros));
            }
        }
        previousNs = ns;
    }

    private static void delta(final StringBuilder sb, final long ns)
    {
        final long micros = Math.max(0, ns) / 1000;
        final long seconds = micros / 1_000_000;
        sb.append(String.format(Locale.ROOT, " %02d:%02d:%02d.%06d ", seconds / 3600, seconds / 60 % 60,
            seconds % 60, micros % 1_000_000));
    }
}
