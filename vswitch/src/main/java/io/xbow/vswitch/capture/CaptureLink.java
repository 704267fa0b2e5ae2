package io.xbow.vswitch.capture;

/**
 * What can be captured under one link name: a port's two directions, or a whole switch, where every frame is seen
 * once, as it enters, with its VLAN shown as a tag.
 */
public final class CaptureLink
{
    /** Direction recorded for frames seen entering the switch over the link. */
    public static final int IN = 1;
    /** Direction recorded for frames the switch sends over the link. */
    public static final int OUT = 2;

    private final CapturePoint in;
    private final CapturePoint out;

    private CaptureLink(final CapturePoint in, final CapturePoint out)
    {
        this.in = in;
        this.out = out;
    }

    /**
     * @param in  frames entering the switch over the link.
     * @param out frames the switch sends over it.
     * @return a port's capture link.
     */
    public static CaptureLink port(final CapturePoint in, final CapturePoint out)
    {
        return new CaptureLink(in, out);
    }

    /**
     * @param all every frame entering the switch, from any port.
     * @return a switch's capture link (an etherstub: all its ports).
     */
    public static CaptureLink wholeSwitch(final CapturePoint all)
    {
        return new CaptureLink(all, null);
    }

    public CapturePoint in()
    {
        return in;
    }

    /**
     * @return the outgoing point, or null for a whole switch.
     */
    public CapturePoint out()
    {
        return out;
    }

    public boolean isWholeSwitch()
    {
        return out == null;
    }
}
