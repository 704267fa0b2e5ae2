package io.xbow.hypervisor.guest;

import io.xbow.packet.address.Ipv4Address;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;

/**
 * A ping from inside a guest, with ping(8)'s output: a header line, one line per reply, and the statistics.
 * Probes go out every {@code interval}; each waits up to {@code timeout} for its reply. Driven by the guest thread.
 */
public final class Ping
{
    private static final long ARP_RETRY_NANOS = 1_000_000_000L;

    private final int destination;
    private final int count;
    private final long intervalNanos;
    private final long timeoutNanos;
    private final int payloadLength;
    private final int identifier;
    private final int udpPort;
    private final long[] sentAt;
    private final long[] rttNanos;
    private final List<String> lines = new ArrayList<>();
    private final CompletableFuture<List<String>> result = new CompletableFuture<>();
    private long startedAt = -1;
    private long nextProbeAt;
    private long arpSentAt = Long.MIN_VALUE;
    private int sent;
    private int received;

    /**
     * @param destination   the address to ping.
     * @param count         probes to send.
     * @param intervalNanos between probes.
     * @param timeoutNanos  how long a probe waits for its reply.
     * @param payloadLength ICMP data bytes (ping's -s; 56 by default).
     * @param identifier    the ICMP identifier.
     */
    public Ping(final int destination, final int count, final long intervalNanos, final long timeoutNanos,
        final int payloadLength, final int identifier)
    {
        this(destination, count, intervalNanos, timeoutNanos, payloadLength, identifier, 0);
    }

    /**
     * @param udpPort 0 for ICMP echo; else probe a UDP echo service on this port: each datagram carries its
     *                sequence number in its first two bytes and goes out from source port {@code identifier}
     *                (taken as given: the caller picks an ephemeral one).
     */
    public Ping(final int destination, final int count, final long intervalNanos, final long timeoutNanos,
        final int payloadLength, final int identifier, final int udpPort)
    {
        if (udpPort != 0 && payloadLength < 2)
        {
            throw new IllegalArgumentException("a UDP probe carries at least 2 bytes (its sequence number)");
        }
        this.udpPort = udpPort;
        this.destination = destination;
        this.count = count;
        this.intervalNanos = intervalNanos;
        this.timeoutNanos = timeoutNanos;
        this.payloadLength = payloadLength;
        this.identifier = identifier & 0xFFFF;
        this.sentAt = new long[count];
        this.rttNanos = new long[count];
        java.util.Arrays.fill(rttNanos, -1);
        final String to = Ipv4Address.format(destination);
        lines.add((udpPort == 0 ? "PING " : "UDP PING ") + to + (udpPort == 0 ? "" : ":" + udpPort) + " (" + to +
            ") " + payloadLength + "(" + (payloadLength + 28) + ") bytes of data.");
    }

    /**
     * @return completes with ping's output when the last probe was answered or timed out.
     */
    public CompletableFuture<List<String>> result()
    {
        return result;
    }

    /** Fail the ping (its interface went away): the result completes exceptionally with the reason. */
    void abort(final String reason)
    {
        result.completeExceptionally(new IllegalStateException(reason));
    }

    /**
     * @param now the guest thread's clock.
     * @return when {@link #step} next has something to do by itself (a probe to send, an ARP retry, a timeout);
     *         a reply wakes the thread on its own.
     */
    long nextDeadlineNanos(final long now)
    {
        if (startedAt < 0)
        {
            return now;
        }
        long deadline = Long.MAX_VALUE;
        if (sent < count)
        {
            deadline = nextProbeAt;
            if (now >= nextProbeAt) // the probe waits for ARP: its retry, or giving up on it
            {
                deadline = Math.min(nextProbeAt + timeoutNanos,
                    arpSentAt == Long.MIN_VALUE ? now : arpSentAt + ARP_RETRY_NANOS);
            }
        }
        if (sent > 0 && rttNanos[sent - 1] < 0)
        {
            deadline = Math.min(deadline, sentAt[sent - 1] + timeoutNanos);
        }
        return deadline;
    }

    /**
     * @return true when the ping is over.
     */
    boolean step(final long now, final GuestInterface via)
    {
        if (startedAt < 0)
        {
            startedAt = now;
            nextProbeAt = now;
        }
        if (sent < count && now >= nextProbeAt)
        {
            final boolean retryArp = arpSentAt == Long.MIN_VALUE || now - arpSentAt >= ARP_RETRY_NANOS;
            final long peer = via.resolve(destination, now, retryArp);
            if (retryArp && peer < 0)
            {
                arpSentAt = now;
            }
            if (peer >= 0 || now - nextProbeAt >= timeoutNanos)
            {
                // Resolved, or ARP failed for this probe: either way the probe counts as transmitted, as in ping(8).
                sentAt[sent] = now;
                if (peer >= 0)
                {
                    if (udpPort == 0)
                    {
                        via.sendEcho(peer, destination, identifier, sent + 1, payloadLength);
                    }
                    else
                    {
                        final byte[] payload = new byte[payloadLength];
                        payload[0] = (byte)((sent + 1) >>> 8);
                        payload[1] = (byte)(sent + 1);
                        via.sendUdp(peer, destination, identifier, udpPort, payload);
                    }
                }
                sent++;
                nextProbeAt += intervalNanos;
            }
        }
        final boolean allSent = sent == count;
        final boolean waiting = sent > 0 && rttNanos[sent - 1] < 0 && now - sentAt[sent - 1] < timeoutNanos;
        if (allSent && (received == count || !waiting))
        {
            finish(now);
            return true;
        }
        return false;
    }

    void onReply(final int source, final int identifier, final int sequence, final int ttl, final int bytes,
        final long now)
    {
        final int index = sequence - 1;
        if (source != destination || identifier != this.identifier || index < 0 || index >= sent ||
            rttNanos[index] >= 0 || now - sentAt[index] > timeoutNanos)
        {
            return;
        }
        rttNanos[index] = now - sentAt[index];
        received++;
        lines.add(String.format(Locale.ROOT, "%d bytes from %s: %s=%d ttl=%d time=%.3f ms", bytes,
            Ipv4Address.format(source), udpPort == 0 ? "icmp_seq" : "udp_seq", sequence, ttl, rttNanos[index] / 1e6));
    }

    private void finish(final long now)
    {
        lines.add("");
        lines.add("--- " + Ipv4Address.format(destination) + " ping statistics ---");
        final int loss = count == 0 ? 0 : (int)Math.round(100.0 * (count - received) / count);
        lines.add(String.format(Locale.ROOT, "%d packets transmitted, %d received, %d%% packet loss, time %dms",
            sent, received, loss, (now - startedAt) / 1_000_000));
        if (received > 0)
        {
            double min = Double.MAX_VALUE;
            double max = 0;
            double sum = 0;
            double sumSquares = 0;
            for (final long rtt : rttNanos)
            {
                if (rtt >= 0)
                {
                    final double ms = rtt / 1e6;
                    min = Math.min(min, ms);
                    max = Math.max(max, ms);
                    sum += ms;
                    sumSquares += ms * ms;
                }
            }
            final double avg = sum / received;
            final double mdev = Math.sqrt(Math.max(0, sumSquares / received - avg * avg));
            lines.add(String.format(Locale.ROOT, "rtt min/avg/max/mdev = %.3f/%.3f/%.3f/%.3f ms", min, avg, max,
                mdev));
        }
        result.complete(List.copyOf(lines));
    }

    boolean isUdp()
    {
        return udpPort != 0;
    }

    int identifier()
    {
        return identifier;
    }
}
