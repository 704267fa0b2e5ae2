package io.xbow.perf;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Frames forwarded, which JMH reports per second as the {@code frames} row of a forwarding benchmark.
 */
@State(Scope.Thread)
@AuxCounters(AuxCounters.Type.OPERATIONS)
public class FrameCounter
{
    public long frames;

    @Setup(Level.Iteration)
    public void reset()
    {
        frames = 0;
    }
}
