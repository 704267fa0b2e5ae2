package io.xbow.vnic.datapath;

/**
 * A token bucket in bytes: it fills at the rate, holds at most the burst, and a frame may pass when the bucket
 * holds its length. Doubles keep sub-byte credit between cycles exactly enough for rates from 100 kbit/s to
 * 1 Tbit/s without overflow; time comes from the caller, once per cycle.
 */
public final class TokenBucket
{
    private double tokens;
    private long lastNs;
    private boolean started;

    /**
     * @param nowNs      the current time.
     * @param bytesPerNs fill rate.
     * @param burstBytes bucket size.
     */
    public void refill(final long nowNs, final double bytesPerNs, final double burstBytes)
    {
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
     * @param bytes a frame's length.
     * @return true, and the bytes taken, if the bucket held them.
     */
    public boolean tryTake(final long bytes)
    {
        if (tokens >= bytes)
        {
            tokens -= bytes;
            return true;
        }
        return false;
    }

    /**
     * @return bytes of credit now.
     */
    public double tokens()
    {
        return tokens;
    }
}
