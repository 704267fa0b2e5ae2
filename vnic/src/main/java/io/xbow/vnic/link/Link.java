package io.xbow.vnic.link;

/**
 * A data link, as {@code dladm show-link} lists it. Links are created, changed and deleted through
 * {@link io.xbow.vnic.LinkRegistry}, which holds the lock; reading a link's fields from elsewhere gives a
 * recent value.
 */
public abstract sealed class Link permits SwitchLink, PortLink
{
    private volatile String name;
    private final LinkClass linkClass;
    private final boolean temporary;

    Link(final String name, final LinkClass linkClass, final boolean temporary)
    {
        this.name = name;
        this.linkClass = linkClass;
        this.temporary = temporary;
    }

    public String name()
    {
        return name;
    }

    /**
     * For the registry only: renames keep everything attached.
     *
     * @param name the new name.
     */
    public void rename(final String name)
    {
        this.name = name;
    }

    public LinkClass linkClass()
    {
        return linkClass;
    }

    /**
     * @return true if created with {@code -t}: not to be persisted.
     */
    public boolean isTemporary()
    {
        return temporary;
    }

    /**
     * @return the MTU in force.
     */
    public abstract int mtu();

    /**
     * @return the STATE column: {@code up}, {@code down} or {@code unknown}.
     */
    public abstract String state();

    /**
     * @return speed in Mb/s.
     */
    public abstract long speedMbps();

    /**
     * @return the OVER column: the link this one is over, or {@code --}.
     */
    public abstract String over();

    @Override
    public String toString()
    {
        return linkClass.label() + " " + name;
    }
}
