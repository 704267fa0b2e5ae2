package io.xbow.perf;

/**
 * JVM flags every forked benchmark needs, as constants so that JMH annotations can name them.
 */
final class Jvm
{
    /** Agrona 2 reaches jdk.internal.misc.Unsafe for its off-heap buffers. */
    static final String ADD_EXPORTS = "--add-exports";
    static final String MISC_UNSAFE = "java.base/jdk.internal.misc=ALL-UNNAMED";

    private Jvm()
    {
    }
}
