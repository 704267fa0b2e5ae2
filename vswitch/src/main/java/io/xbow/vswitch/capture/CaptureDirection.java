package io.xbow.vswitch.capture;

/**
 * Which frames of a link a capture sees, in tcpdump's {@code -Q} words. Directions are the host's: {@code in} is
 * what the link brings into the switch (what a guest sends, on its vif or VNIC; what arrives from the wire, on a
 * physical link), {@code out} what the switch sends over the link.
 */
public enum CaptureDirection
{
    IN("in"),
    OUT("out"),
    INOUT("inout");

    private final String word;

    CaptureDirection(final String word)
    {
        this.word = word;
    }

    public String word()
    {
        return word;
    }

    /**
     * @param word {@code in}, {@code out}, {@code inout} (tcpdump) or {@code both}.
     * @return the direction.
     * @throws IllegalArgumentException naming the words allowed.
     */
    public static CaptureDirection parse(final String word)
    {
        switch (word)
        {
            case "in": return IN;
            case "out": return OUT;
            case "inout":
            case "both": return INOUT;
            default:
                throw new IllegalArgumentException("invalid direction '" + word + "': use in, out or inout");
        }
    }

    boolean includesIn()
    {
        return this != OUT;
    }

    boolean includesOut()
    {
        return this != IN;
    }
}
