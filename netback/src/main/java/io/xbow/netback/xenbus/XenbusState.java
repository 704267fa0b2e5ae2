package io.xbow.netback.xenbus;

/**
 * Device states of the xenbus handshake (xenbus.h), written as their numbers under {@code state}.
 */
public enum XenbusState
{
    UNKNOWN(0), INITIALISING(1), INIT_WAIT(2), INITIALISED(3), CONNECTED(4), CLOSING(5), CLOSED(6),
    RECONFIGURING(7), RECONFIGURED(8);

    private final int value;

    XenbusState(final int value)
    {
        this.value = value;
    }

    public int value()
    {
        return value;
    }

    /**
     * @param text a {@code state} key's value.
     * @return the state, or {@link #UNKNOWN} for anything else.
     */
    public static XenbusState parse(final String text)
    {
        if (text != null)
        {
            for (final XenbusState state : values())
            {
                if (Integer.toString(state.value).equals(text.trim()))
                {
                    return state;
                }
            }
        }
        return UNKNOWN;
    }

    @Override
    public String toString()
    {
        return Integer.toString(value);
    }
}
