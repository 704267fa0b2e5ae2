package io.xbow.vlan;

import java.util.Arrays;

/**
 * An immutable set of VLAN ids (1 to 4094) as a 4096-bit map: what a trunk port allows. Written and read in the
 * range syntax switches use: {@code 1-10,20,30-39}.
 */
public final class VlanSet
{
    /** Every VLAN, 1 to 4094. */
    public static final VlanSet ALL = range(VlanId.MIN, VlanId.MAX);
    /** No VLAN. */
    public static final VlanSet NONE = new VlanSet(new long[64]);

    private final long[] bits;

    private VlanSet(final long[] bits)
    {
        this.bits = bits;
    }

    /**
     * @param vids VLAN ids, each 1 to 4094.
     * @return the set of them.
     */
    public static VlanSet of(final int... vids)
    {
        final long[] bits = new long[64];
        for (final int vid : vids)
        {
            VlanId.validate(vid);
            bits[vid >>> 6] |= 1L << vid;
        }
        return new VlanSet(bits);
    }

    /**
     * @param from first VLAN id, 1 to 4094.
     * @param to   last VLAN id, from {@code from} to 4094.
     * @return the set of ids from {@code from} to {@code to}.
     */
    public static VlanSet range(final int from, final int to)
    {
        VlanId.validate(from);
        VlanId.validate(to);
        if (to < from)
        {
            throw new IllegalArgumentException("invalid VLAN range " + from + "-" + to + ": end before start");
        }
        final long[] bits = new long[64];
        for (int vid = from; vid <= to; vid++)
        {
            bits[vid >>> 6] |= 1L << vid;
        }
        return new VlanSet(bits);
    }

    /**
     * @param text comma-separated ids and ranges: {@code 10,20-29}; {@code all} for 1-4094.
     * @return the set.
     * @throws IllegalArgumentException naming the bad element.
     */
    public static VlanSet parse(final String text)
    {
        if (text == null || text.isBlank())
        {
            throw new IllegalArgumentException("invalid VLAN list: empty");
        }
        if (text.trim().equalsIgnoreCase("all"))
        {
            return ALL;
        }
        final long[] bits = new long[64];
        for (final String part : text.split(",", -1))
        {
            final int dash = part.indexOf('-');
            final int from = VlanId.parse(dash < 0 ? part : part.substring(0, dash));
            final int to = dash < 0 ? from : VlanId.parse(part.substring(dash + 1));
            if (to < from)
            {
                throw new IllegalArgumentException("invalid VLAN range '" + part.trim() + "': end before start");
            }
            for (int vid = from; vid <= to; vid++)
            {
                bits[vid >>> 6] |= 1L << vid;
            }
        }
        return new VlanSet(bits);
    }

    /**
     * @param vid any integer.
     * @return true if it is a VLAN id in the set.
     */
    public boolean contains(final int vid)
    {
        return vid >= VlanId.MIN && vid <= VlanId.MAX && (bits[vid >>> 6] & 1L << vid) != 0;
    }

    /**
     * @param vid a VLAN id, 1 to 4094.
     * @return a set with the id added.
     */
    public VlanSet with(final int vid)
    {
        VlanId.validate(vid);
        final long[] copy = bits.clone();
        copy[vid >>> 6] |= 1L << vid;
        return new VlanSet(copy);
    }

    /**
     * @return number of VLAN ids in the set.
     */
    public int size()
    {
        int n = 0;
        for (final long word : bits)
        {
            n += Long.bitCount(word);
        }
        return n;
    }

    public boolean isEmpty()
    {
        return size() == 0;
    }

    /**
     * @return the set in range syntax, {@code 1-10,20}; empty for an empty set.
     */
    @Override
    public String toString()
    {
        final StringBuilder sb = new StringBuilder();
        int vid = VlanId.MIN;
        while (vid <= VlanId.MAX)
        {
            if (!contains(vid))
            {
                vid++;
                continue;
            }
            int end = vid;
            while (end + 1 <= VlanId.MAX && contains(end + 1))
            {
                end++;
            }
            if (sb.length() > 0)
            {
                sb.append(',');
            }
            sb.append(vid);
            if (end > vid)
            {
                sb.append('-').append(end);
            }
            vid = end + 1;
        }
        return sb.toString();
    }

    @Override
    public boolean equals(final Object o)
    {
        return o instanceof VlanSet && Arrays.equals(bits, ((VlanSet)o).bits);
    }

    @Override
    public int hashCode()
    {
        return Arrays.hashCode(bits);
    }
}
