package io.xbow.vnic.prop;

import java.util.Locale;

/**
 * A link's priority: under contention on the same underlying link, higher priorities are served first (strict
 * priority, see {@link io.xbow.vswitch.VirtualSwitch#priority}).
 */
public enum Priority
{
    HIGH("high", 0),
    MEDIUM("medium", 1),
    LOW("low", 2);

    /** Links default to high, as in dladm. */
    public static final Priority DEFAULT = HIGH;
    /** The possible values as show-linkprop lists them. */
    public static final String POSSIBLE = "low,medium,high";

    private final String label;
    private final int servingOrder;

    Priority(final String label, final int servingOrder)
    {
        this.label = label;
        this.servingOrder = servingOrder;
    }

    public String label()
    {
        return label;
    }

    /**
     * @return the switch's serving order for this priority: 0 is served first.
     */
    public int servingOrder()
    {
        return servingOrder;
    }

    /**
     * @param text {@code low}, {@code medium} or {@code high}.
     * @return the priority.
     * @throws IllegalArgumentException saying what is allowed.
     */
    public static Priority parse(final String text)
    {
        for (final Priority priority : values())
        {
            if (priority.label.equals(text == null ? "" : text.trim().toLowerCase(Locale.ROOT)))
            {
                return priority;
            }
        }
        throw new IllegalArgumentException("invalid priority '" + text + "': must be one of " + POSSIBLE);
    }
}
