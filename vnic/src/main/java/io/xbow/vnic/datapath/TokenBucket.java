package io.xbow.vnic.datapath;

/**
 * A token bucket in bytes: it fills at the rate, holds at most the burst, and a frame may pass when the bucket
 * holds its length. Doubles keep sub-byte credit between cycles exactly enough for rates from 100 kbit/s to
 * 1 Tbit/s without overflow; time comes from the caller, once per cycle.
 */
public final class TokenBucket
{
    private double tokens;
    private double burst;
    private long lastNs;
    private boolean started;

    /**
     * @param nowNs      the current time.
     * @param bytesPerNs fill rate.
     * @param burstBytes bucket size.
     */
    public void refill(final long nowNs, final double bytesPerNs, final double burstBytes)
    {
        burst = burstBytes;
        if (!started)
        {
            started = true;
            lastNs = nowNs;
            tokens = burstBytes;
            return;
        }
        final long elapsed = nowNs - lastNs;
        if (elapsed > 0)
        {
            lastNs = nowNs;
            tokens = Math.min(burstBytes, tokens + elapsed * bytesPerNs);
        }
        else if (tokens > burstBytes)
        {
            tokens = burstBytes;
        }
    }

    /**
     * A frame longer than the burst (after an MTU decrease, or a super-frame) passes when the bucket is full and
     * leaves it in debt, which the rate then pays back: it is delayed as long as its length asks, never forever.
     *
     * @param bytes a frame's length.
     * @return true, and the bytes taken, if the bucket held them (or was full).
     */
    public boolean tryTake(final long bytes)
    {
        if (tokens >= bytes || (tokens >= burst && burst > 0))
        {
            tokens -= bytes;
            return true;
        }
        return false;
    }

    /**
     * @param bytes      a frame's length.
     * @param bytesPerNs the fill rate.
     * @return nanoseconds until {@link #tryTake} would take it: 0 if it would now.
     */
    public long nanosUntil(final long bytes, final double bytesPerNs)
    {
        final double missing = Math.min(bytes, burst) - tokens;
        return missing <= 0 ? 0 : (long)Math.ceil(missing / bytesPerNs);
    }

    /**
     * @return bytes of credit now.
     */
    public double tokens()
    {
        return tokens;
    }
}
