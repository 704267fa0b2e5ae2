package io.xbow.hypervisor.domain;

/**
 * A domain's state as {@code xl list} shows it: six flag positions, r b p s c d, a dash where a flag is clear.
 */
public enum DomainState
{
    RUNNING('r'),
    BLOCKED('b'),
    PAUSED('p'),
    SHUTDOWN('s'),
    CRASHED('c'),
    DYING('d');

    private final char flag;

    DomainState(final char flag)
    {
        this.flag = flag;
    }

    public char flag()
    {
        return flag;
    }

    /**
     * @return the {@code xl list} State column, e.g. {@code -b----} for a blocked domain.
     */
    public String xlFlags()
    {
        final char[] flags = "------".toCharArray();
        flags[ordinal()] = flag;
        return new String(flags);
    }
}
