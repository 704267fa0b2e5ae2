package io.xbow.nat.forward;

/**
 * A token bucket: at most {@code burst} at once and {@code perSecond} sustained; what the router's ICMP errors and
 * ARP requests are limited by (RFC 1812 4.3.2.8 asks for a limit on ICMP errors). One thread; no allocation.
 */
public final class TokenBucket
{
    private final long perSecond;
    private final long burst;
    private long tokensMicro;
    private long lastNs;

    /**
     * @param perSecond tokens a second, more than 0.
     * @param burst     tokens at most, more than 0 (and the bucket starts full).
     * @param nowNs     the clock now.
     */
    public TokenBucket(final long perSecond, final long burst, final long nowNs)
    {
        if (perSecond < 1 || burst < 1)
        {
            throw new IllegalArgumentException("a rate and a burst of at least 1");
        }
        this.perSecond = perSecond;
        this.burst = burst;
        this.tokensMicro = burst * 1_000_000L;
        this.lastNs = nowNs;
    }

    /**
     * @return true if a token was there (and is taken).
     */
    public boolean take(final long nowNs)
    {
        final long elapsed = Math.max(0, nowNs - lastNs);
        lastNs = nowNs;
        // Micro-tokens: perSecond tokens per 1e9 ns is perSecond micro-tokens per 1000 ns.
        final long toFull = burst * 1_000_000_000L / perSecond + 1; // no longer than an empty bucket takes to fill
        tokensMicro = Math.min(burst * 1_000_000L, tokensMicro + Math.min(elapsed, toFull) * perSecond / 1000);
        if (tokensMicro < 1_000_000L)
        {
            return false;
        }
        tokensMicro -= 1_000_000L;
        return true;
    }
}
