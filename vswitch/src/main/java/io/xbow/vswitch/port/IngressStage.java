package io.xbow.vswitch.port;

import io.xbow.packet.parse.HeaderChain;

/**
 * A port's own check on frames entering the switch, run inside the switch's classification loop right after the
 * header chain is validated, so that the frame is parsed once: a VNIC's MTU, link protection and bandwidth limit
 * are one. The stage passes the frame, keeps it (a shaper holding it until tokens accrue; the port hands it back
 * through {@link PortDevice#receive} later and must then pass it), or names a drop reason; the switch frees and counts
 * dropped frames on the port.
 */
public interface IngressStage
{
    /** The frame goes on into the switch. */
    int PASS = -1;
    /** The stage keeps the frame; the switch forgets it. */
    int HELD = -2;

    /**
     * @param frame  a frame polled from the port.
     * @param length its length.
     * @param chain  its validated header chain.
     * @return {@link #PASS}, {@link #HELD}, or the ordinal of the {@link io.xbow.packet.DropReason} to drop it for.
     */
    int admit(int frame, int length, HeaderChain chain);
}
