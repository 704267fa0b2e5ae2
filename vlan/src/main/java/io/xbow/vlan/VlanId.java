package io.xbow.vlan;

/**
 * IEEE 802.1Q VLAN ids: 1 to 4094 name a VLAN; 0 in a tag means "no VLAN" (a priority tag); 4095 is reserved.
 */
public final class VlanId
{
    /** In a tag: untagged or priority-tagged. */
    public static final int NONE = 0;
    public static final int MIN = 1;
    public static final int MAX = 4094;
    /** Reserved by 802.1Q; a frame tagged with it is dropped. */
    public static final int RESERVED = 4095;
    /** The VLAN a port belongs to when nothing else is said, as on most switches. */
    public static final int DEFAULT = 1;

    private VlanId()
    {
    }

    /**
     * @param vid a candidate VLAN id.
     * @return true if it names a VLAN: 1 to 4094.
     */
    public static boolean isValid(final int vid)
    {
        return vid >= MIN && vid <= MAX;
    }

    /**
     * @param vid a candidate VLAN id.
     * @return the id.
     * @throws IllegalArgumentException saying what is allowed, if it is not 1 to 4094.
     */
    public static int validate(final int vid)
    {
        if (!isValid(vid))
        {
            throw new IllegalArgumentException("invalid VLAN id " + vid + ": must be " + MIN + "-" + MAX +
                (vid == RESERVED ? " (4095 is reserved)" : vid == NONE ? " (0 means untagged)" : ""));
        }
        return vid;
    }

    /**
     * @param text a VLAN id in decimal.
     * @return the id.
     * @throws IllegalArgumentException saying what is allowed, if it is not a number from 1 to 4094.
     */
    public static int parse(final String text)
    {
        final int vid;
        try
        {
            vid = Integer.parseInt(text.trim());
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException("invalid VLAN id '" + text + "': must be " + MIN + "-" + MAX);
        }
        return validate(vid);
    }
}
