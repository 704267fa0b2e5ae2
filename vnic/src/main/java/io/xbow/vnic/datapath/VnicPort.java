package io.xbow.vnic.datapath;

import io.xbow.packet.DropReason;
import io.xbow.packet.frame.FrameBatch;
import io.xbow.packet.frame.FrameOffload;
import io.xbow.packet.frame.FramePool;
import io.xbow.packet.parse.HeaderChain;
import io.xbow.vswitch.capture.CapturePoint;
import io.xbow.vswitch.capture.CaptureTap;
import io.xbow.vswitch.capture.FrameFilter;
import io.xbow.vswitch.port.IngressStage;
import io.xbow.vswitch.port.PortDevice;
import io.xbow.vswitch.port.PortContext;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.NanoClock;

/**
 * A VNIC as a switch port: the stages between the guest's device (a netback, or an in-memory device in tests) and
 * the switch.
 * <pre>
 *   guest device --receive--> switch: validate, then this port's {@link #admit}: [MTU] [protection] [shaper] ...
 *   guest device <--transmit-- [MTU] [inbound shaper] <-- switch
 * </pre>
 * The outbound checks run as the port's {@link IngressStage}, inside the switch's classification loop, so a frame
 * is parsed once.
 * The policy (MAC, protection, allowed-ips, MTU, maxbw) is one immutable {@link VnicPolicy} read once per call,
 * so the control plane changes it live. Frames over the rate wait in a bounded FIFO per direction and are released
 * as tokens accrue, on every poll of the port; past the queue they are dropped as over rate. Waiting inbound frames
 * are pumped to the device when the switch polls the port, so they leave even when no new frame arrives. A VNIC
 * with no device plugged in is down: what the switch sends it is dropped as link-down.
 * <p>
 * Called only by the switch's datapath thread; allocates nothing per frame.
 */
public final class VnicPort implements PortDevice, IngressStage
{
    private static final PortDevice UNPLUGGED = new PortDevice()
    {
        @Override
        public int receive(final FrameBatch batch)
        {
            return 0;
        }

        @Override
        public int transmit(final FrameBatch batch)
        {
            return 0;
        }
    };

    private final FramePool pool;
    private final MutableDirectBuffer buffer;
    private final NanoClock clock;
    private final ProtectionFilter filter = new ProtectionFilter();
    private final Shaper outbound;
    private final Shaper inbound;
    private final FrameBatch toDevice;
    private final VnicCounters counters = new VnicCounters();
    private final CapturePoint deviceIn = new CapturePoint();
    private final CapturePoint deviceOut = new CapturePoint();
    private volatile VnicPolicy policy;
    private volatile PortDevice device = UNPLUGGED;
    private volatile boolean releaseQueues;
    private VnicPolicy cyclePolicy;
    private final int[] released;
    private int releasedCount;
    private int releasedNext;
    private boolean queuesWereBusy;
    private volatile PortContext context = PortContext.DETACHED;

    /**
     * @param pool               the switch's frame pool.
     * @param clock              the switch's cycle clock.
     * @param policy             the initial policy.
     * @param batchSize          the switch's batch size.
     * @param shapingQueueFrames frames each shaping queue holds.
     */
    public VnicPort(
        final FramePool pool,
        final NanoClock clock,
        final VnicPolicy policy,
        final int batchSize,
        final int shapingQueueFrames)
    {
        this.pool = pool;
        this.buffer = pool.buffer();
        this.clock = clock;
        this.policy = policy;
        this.cyclePolicy = policy;
        this.outbound = new Shaper(shapingQueueFrames);
        this.inbound = new Shaper(shapingQueueFrames);
        this.toDevice = new FrameBatch(Math.min(FrameBatch.MAX_CAPACITY, 2 * batchSize));
        this.released = new int[FrameBatch.MAX_CAPACITY];
    }

    /**
     * Control plane: replace the policy; it applies from the next batch.
     *
     * @param policy the new policy.
     */
    public void policy(final VnicPolicy policy)
    {
        this.policy = policy;
        context.wakeup();
    }

    public VnicPolicy policy()
    {
        return policy;
    }

    /**
     * Control plane: plug in the guest's device, or unplug it with null. Frames waiting in the shaping queues
     * are dropped at the next poll when a device is unplugged. Runs on the datapath thread (through the switch's
     * command queue), so the device it replaces can hand its frames back to the pool here.
     *
     * @param device the guest's side, or null.
     */
    public void device(final PortDevice device)
    {
        final PortDevice plugged = device == null ? UNPLUGGED : device;
        final PortDevice previous = this.device;
        plugged.attached(context);
        this.device = plugged;
        if (previous != plugged)
        {
            previous.onDetach(); // e.g. a netback's frames waiting for guest buffers
        }
        if (device == null)
        {
            releaseQueues = true;
        }
        context.wakeup();
    }

    /**
     * @return true if a guest device is plugged in.
     */
    public boolean isPlugged()
    {
        return device != UNPLUGGED;
    }

    public VnicCounters counters()
    {
        return counters;
    }

    /**
     * @return where frames from the guest's device are captured, before the VNIC's checks (a vif's view: spoofed
     * frames the VNIC drops are seen here).
     */
    public CapturePoint deviceIn()
    {
        return deviceIn;
    }

    /**
     * @return where frames handed to the guest's device are captured, after the VNIC's MTU and rate.
     */
    public CapturePoint deviceOut()
    {
        return deviceOut;
    }

    /**
     * What the guest's device takes, unless the VNIC is shaped: then super-frames come cut into segments, which
     * the inbound shaper judges one by one, as a wire would carry them.
     */
    @Override
    public int offloads()
    {
        return policy.isLimited() ? 0 : device.offloads();
    }

    @Override
    public void attached(final PortContext context)
    {
        this.context = context;
        device.attached(context);
    }

    @Override
    public void onDetach()
    {
        device.onDetach();
        counters.inboundDropped(DropReason.LINK_DOWN, inbound.clear(pool));
        counters.outboundDropped(DropReason.LINK_DOWN, outbound.clear(pool));
        counters.queueDepths(0, 0);
    }

    @Override
    public IngressStage ingressStage()
    {
        return this;
    }

    /** When a shaping queue's head frame is paid for: the datapath sleeps no longer than that. */
    @Override
    public long nextDeadlineNs(final long nowNs)
    {
        final VnicPolicy p = policy;
        return Math.min(inbound.nextReleaseNs(nowNs, p, pool), outbound.nextReleaseNs(nowNs, p, pool));
    }

    /**
     * The guest sends: frames its shaper now releases go first (they were checked when they arrived), then what
     * the device has; the switch runs {@link #admit} on each.
     */
    @Override
    public int receive(final FrameBatch batch)
    {
        final VnicPolicy p = policy;
        cyclePolicy = p;
        final PortDevice dev = device;
        if (releaseQueues)
        {
            releaseQueues = false;
            counters.inboundDropped(DropReason.LINK_DOWN, inbound.clear(pool));
            counters.outboundDropped(DropReason.LINK_DOWN, outbound.clear(pool));
        }
        if (p.isLimited())
        {
            final long now = clock.nanoTime();
            inbound.refill(now, p);
            outbound.refill(now, p);
        }
        if (!inbound.isEmpty())
        {
            toDevice.clear();
            inbound.release(pool, toDevice, !p.isLimited());
            deliver(dev, toDevice, totalLength(toDevice));
        }
        final int start = batch.count();
        releasedCount = outbound.isEmpty() ? 0 : outbound.release(pool, batch, !p.isLimited());
        for (int i = 0; i < releasedCount; i++)
        {
            released[i] = batch.handle(start + i);
        }
        releasedNext = 0;
        if (!batch.isFull())
        {
            final int first = batch.count();
            dev.receive(batch);
            final CaptureTap[] taps = deviceIn.taps();
            if (taps != null)
            {
                final long now = clock.nanoTime();
                for (int i = first, n = batch.count(); i < n; i++)
                {
                    final int frame = batch.handle(i);
                    CapturePoint.offer(taps, pool, frame, now, FrameFilter.NO_TAG);
                }
            }
        }
        if (!inbound.isEmpty() || !outbound.isEmpty() || queuesWereBusy)
        {
            queuesWereBusy = !inbound.isEmpty() || !outbound.isEmpty();
            counters.queueDepths(inbound.depth(), outbound.depth());
        }
        return batch.count() - start;
    }

    /**
     * The switch's check of a frame the guest sent, right after it validated the frame: MTU, protection, then the
     * outbound shaper.
     */
    @Override
    public int admit(final int frame, final int length, final HeaderChain chain)
    {
        if (releasedNext < releasedCount && released[releasedNext] == frame)
        {
            // Released by the shaper: it passed these checks when it arrived.
            releasedNext++;
            return PASS;
        }
        final VnicPolicy p = cyclePolicy;
        if (length > p.maxFrameLength() && !FrameOffload.fits(length, pool.offload(frame), p.maxFrameLength()))
        {
            return DropReason.OVERSIZE.ordinal();
        }
        if (p.anyProtection())
        {
            final DropReason reason = filter.check(p, buffer, chain);
            if (reason != null)
            {
                return reason.ordinal();
            }
        }
        if (p.isLimited() || !outbound.isEmpty())
        {
            final int verdict = outbound.admit(frame, length, pool);
            if (verdict == Shaper.QUEUED)
            {
                return HELD;
            }
            if (verdict == Shaper.REFUSED)
            {
                return DropReason.OVER_RATE.ordinal();
            }
        }
        return PASS;
    }

    /**
     * The guest receives: the VNIC takes every frame; those over the MTU are dropped, those over the rate wait or
     * are dropped, the rest go to the device.
     */
    @Override
    public int transmit(final FrameBatch batch)
    {
        final VnicPolicy p = policy;
        final PortDevice dev = device;
        final int count = batch.count();
        final int maxFrameLength = p.maxFrameLength();
        long total = 0;
        int fit = 0;
        while (fit < count)
        {
            final int length = pool.length(batch.handle(fit));
            if (length > maxFrameLength)
            {
                break;
            }
            total += length;
            fit++;
        }
        if (fit == count && inbound.isEmpty() && (!p.isLimited() || inbound.tryTakeAll(total)))
        {
            // Fast path: every frame fits the MTU and the rate: the batch goes to the device as it is.
            deliver(dev, batch, total);
            return count;
        }

        toDevice.clear();
        long bytes = 0;
        int i = 0;
        while (i < count)
        {
            if (toDevice.isFull())
            {
                deliver(dev, toDevice, bytes);
                toDevice.clear();
                bytes = 0;
            }
            final int frame = batch.handle(i++);
            final int length = pool.length(frame);
            if (length > p.maxFrameLength() && !FrameOffload.fits(length, pool.offload(frame), p.maxFrameLength()))
            {
                pool.free(frame);
                counters.inboundDropped(DropReason.OVERSIZE, 1);
                continue;
            }
            if (p.isLimited() || !inbound.isEmpty())
            {
                final int verdict = inbound.admit(frame, length, pool);
                if (verdict == Shaper.QUEUED)
                {
                    continue;
                }
                if (verdict == Shaper.REFUSED)
                {
                    pool.free(frame);
                    counters.inboundDropped(DropReason.OVER_RATE, 1);
                    continue;
                }
            }
            toDevice.add(frame);
            bytes += length;
        }
        deliver(dev, toDevice, bytes);
        return count;
    }

    private long totalLength(final FrameBatch frames)
    {
        long bytes = 0;
        for (int i = 0, n = frames.count(); i < n; i++)
        {
            bytes += pool.length(frames.handle(i));
        }
        return bytes;
    }

    /**
     * Hand frames to the device; free and count what it refuses. The batch is left as it was.
     *
     * @param dev    the device.
     * @param frames the frames.
     * @param bytes  their total length.
     */
    private void deliver(final PortDevice dev, final FrameBatch frames, final long bytes)
    {
        final int count = frames.count();
        if (count == 0)
        {
            return;
        }
        long delivered = bytes;
        final CaptureTap[] taps = deviceOut.taps();
        if (taps != null)
        {
            for (int i = 0; i < count; i++)
            {
                final int frame = frames.handle(i);
                CapturePoint.offer(taps, pool, frame, pool.timestampNs(frame), FrameFilter.NO_TAG);
            }
        }
        final int accepted = dev.transmit(frames);
        if (accepted < count)
        {
            for (int i = accepted; i < count; i++)
            {
                final int frame = frames.handle(i);
                delivered -= pool.length(frame);
                pool.free(frame);
            }
            counters.inboundDropped(dev == UNPLUGGED ? DropReason.LINK_DOWN : DropReason.QUEUE_FULL, count - accepted);
        }
        if (accepted > 0)
        {
            counters.delivered(accepted, delivered);
        }
    }
}
