package io.xbow.vswitch.port;

import io.xbow.packet.frame.FrameBatch;

/**
 * What stands behind a switch port: a VNIC's netback, a TAP device, a packet socket, a tunnel, a router, or an
 * in-memory queue. The switch's datapath thread polls {@link #receive} and calls {@link #transmit}; both are
 * called only from that thread and must not block or throw.
 * <p>
 * Ownership moves with the handles: frames appended by {@code receive} belong to the switch; frames accepted by
 * {@code transmit} belong to the port, which frees them (to the pool they came from) when it is done.
 */
public interface PortDevice
{
    /**
     * Append frames that arrived on this port, up to the batch's remaining room.
     *
     * @param batch to append to.
     * @return the number of frames appended; 0 when none are waiting.
     */
    int receive(FrameBatch batch);

    /**
     * Take frames to send. The port accepts a prefix of the batch, in order, and leaves the batch as it was; the
     * switch frees and counts the frames it did not accept (a full queue).
     *
     * @param batch frames to send.
     * @return the number accepted from the front of the batch.
     */
    int transmit(FrameBatch batch);

    /**
     * Called on the datapath thread when the port is attached (before its first {@link #receive}), with the
     * switch's pool, cycle clock and wakeup. A device whose frames arrive from another thread wakes the datapath
     * through it after publishing them; one that keeps time reads its clock.
     *
     * @param context the port's context: the switch's pool, clock and wakeup, and the port's drop counters.
     */
    default void attached(final PortContext context)
    {
    }

    /**
     * @return the port's check on frames entering the switch, or null for none; read once, when attached.
     */
    default IngressStage ingressStage()
    {
        return null;
    }

    /**
     * Called on the datapath thread when the port leaves the switch (detached, or the switch closed): a port that
     * holds frames of the switch's pool (a shaping queue) frees them here.
     */
    default void onDetach()
    {
    }

    /**
     * Called on the datapath thread before it sleeps: when this port next has work that no event will announce (a
     * shaping queue whose head frame the token bucket pays for at that time).
     *
     * @param nowNs the switch's cycle time.
     * @return that time on the switch's clock, or {@link Long#MAX_VALUE} for none.
     */
    default long nextDeadlineNs(final long nowNs)
    {
        return Long.MAX_VALUE;
    }

    /**
     * What frames this device takes as they are ({@link io.xbow.packet.frame.FrameOffload}'s {@code CAN_*} bits):
     * partial checksums, TCP super-frames. For any other frame that needs more, the switch finishes the checksum or
     * cuts the super-frame into segments before {@link #transmit}. May change (a device plugged in); read on the
     * datapath thread, only for frames that carry offloads.
     *
     * @return the capabilities; {@link io.xbow.packet.frame.FrameOffload#NONE} by default: complete frames of at
     *         most an MTU.
     */
    default int offloads()
    {
        return 0;
    }
}
