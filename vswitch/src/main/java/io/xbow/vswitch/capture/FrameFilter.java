package io.xbow.vswitch.capture;

import org.agrona.DirectBuffer;

/**
 * Decides, on the datapath thread, whether a capture wants a frame and how much of it: a compiled pcap filter
 * (classic BPF), or everything. Must not allocate, block or throw for any frame content.
 */
@FunctionalInterface
public interface FrameFilter
{
    /** Passed as {@code insertedTci} when the frame is seen as it is, with no VLAN tag added. */
    int NO_TAG = -1;

    /** Takes every frame whole. */
    FrameFilter ALL = (buffer, offset, length, insertedTci) -> Integer.MAX_VALUE;

    /**
     * @param buffer      holds the frame.
     * @param offset      where it starts.
     * @param length      its length.
     * @param insertedTci {@link #NO_TAG}, or the TCI of an 802.1Q tag the capture shows after the MAC addresses
     *                    (a switch-wide capture shows each frame's VLAN, which inside the switch is metadata).
     * @return how many bytes to capture; 0 to leave the frame.
     */
    int accept(DirectBuffer buffer, int offset, int length, int insertedTci);

    /**
     * @return a filter deciding the same, safe to run on another thread than this one (a BPF program has scratch
     * memory): each tap of a capture takes its own, since each point is served by one datapath thread.
     */
    default FrameFilter copy()
    {
        return this;
    }
}
