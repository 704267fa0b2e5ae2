package io.xbow.vswitch.capture;

import org.agrona.DirectBuffer;

/**
 * Receives captured frames from {@link CaptureSession#poll}, on the capture's own thread.
 */
@FunctionalInterface
public interface CaptureHandler
{
    /**
     * @param link             index of the link in the names the capture was started with.
     * @param direction        {@link CaptureLink#IN} or {@link CaptureLink#OUT}.
     * @param timestampEpochNs when the frame entered the switch, in nanoseconds since the Unix epoch.
     * @param originalLength   the frame's length as seen (with a shown VLAN tag).
     * @param buffer           holds the captured bytes; valid only during the call.
     * @param offset           where they start.
     * @param length           how many were captured (at most the snapshot length).
     */
    void onFrame(int link, int direction, long timestampEpochNs, int originalLength, DirectBuffer buffer,
        int offset, int length);
}
