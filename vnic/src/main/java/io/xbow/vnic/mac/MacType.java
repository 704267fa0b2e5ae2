package io.xbow.vnic.mac;

/**
 * How a VNIC's MAC address was chosen, as {@code dladm show-vnic} prints it in MACADDRTYPE: {@code fixed},
 * {@code random}, or {@code factory, slot N}.
 *
 * @param kind the kind.
 * @param slot the factory slot (1 and up) for {@link Kind#FACTORY}, 0 otherwise.
 */
public record MacType(Kind kind, int slot)
{
    public enum Kind
    {
        FIXED, RANDOM, FACTORY
    }

    public static final MacType FIXED = new MacType(Kind.FIXED, 0);
    public static final MacType RANDOM = new MacType(Kind.RANDOM, 0);

    public static MacType factory(final int slot)
    {
        return new MacType(Kind.FACTORY, slot);
    }

    @Override
    public String toString()
    {
        switch (kind)
        {
            case FACTORY: return "factory, slot " + slot;
            case RANDOM: return "random";
            default: return "fixed";
        }
    }
}
