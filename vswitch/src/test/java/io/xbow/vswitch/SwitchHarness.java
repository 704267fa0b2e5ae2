package io.xbow.vswitch;

import io.xbow.packet.address.Ipv4Address;
import io.xbow.packet.build.FrameBuilder;
import io.xbow.packet.frame.FrameBatch;
import io.xbow.packet.frame.FramePool;
import io.xbow.vlan.VlanPolicy;
import io.xbow.vswitch.port.MemoryDevice;
import org.agrona.concurrent.CachedNanoClock;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A switch with in-memory ports, a clock the test advances, and the test as its datapath thread: frames are
 * injected, {@link #cycle()} runs duty cycles until the switch is idle, and {@link #received} drains what a port
 * got (freeing the frames), so every test can end by asserting the pool has every frame back.
 */
final class SwitchHarness
{
    final FramePool pool;
    final CachedNanoClock clock = new CachedNanoClock();
    final VirtualSwitch sw;
    final Map<String, MemoryDevice> devices = new HashMap<>();
    final Map<String, SwitchPort> ports = new HashMap<>();
    private final FrameBatch drain = new FrameBatch(FrameBatch.MAX_CAPACITY);

    SwitchHarness(final SwitchConfig config)
    {
        this(config, 4096);
    }

    SwitchHarness(final SwitchConfig config, final int frames)
    {
        this(config, new FramePool(frames));
    }

    SwitchHarness(final SwitchConfig config, final FramePool pool)
    {
        this.pool = pool;
        sw = new VirtualSwitch("test0", pool, config, clock);
    }

    /** An ordinary frame: IPv4 and UDP with 18 bytes of data. */
    static FrameBuilder frame(final long dst, final long src)
    {
        return new FrameBuilder().ethernet(dst, src).ipv4(Ipv4Address.parse("10.0.0.1"), Ipv4Address.parse("10.0.0.2"))
            .udp(1000, 2000, 18);
    }

    SwitchPort attach(final String name, final VlanPolicy policy)
    {
        return attach(name, policy, 1024);
    }

    SwitchPort attach(final String name, final VlanPolicy policy, final int queueCapacity)
    {
        final MemoryDevice device = new MemoryDevice(queueCapacity);
        final SwitchPort port = sw.attach(name, device, policy);
        devices.put(name, device);
        ports.put(name, port);
        return port;
    }

    void send(final String port, final FrameBuilder frame)
    {
        final int handle = frame.build(pool);
        assertNotEquals(FramePool.NO_FRAME, handle, "test pool exhausted");
        send(port, handle);
    }

    void send(final String port, final int handle)
    {
        assertTrue(devices.get(port).inject(handle), "inject queue full");
    }

    void sendAndCycle(final String port, final FrameBuilder frame)
    {
        send(port, frame);
        cycle();
    }

    void cycle()
    {
        int guard = 0;
        while (sw.doWork() > 0)
        {
            assertTrue(++guard < 10_000, "switch never went idle");
        }
    }

    void advance(final long duration, final TimeUnit unit)
    {
        clock.advance(unit.toNanos(duration));
    }

    /**
     * @return the frames the port has been sent since last asked, as bytes; the frames go back to the pool.
     */
    List<byte[]> received(final String port)
    {
        final List<byte[]> frames = new ArrayList<>();
        final MemoryDevice device = devices.get(port);
        while (true)
        {
            drain.clear();
            if (device.drainTo(drain) == 0)
            {
                return frames;
            }
            for (int i = 0; i < drain.count(); i++)
            {
                frames.add(pool.bytes(drain.handle(i)));
            }
            pool.freeAll(drain);
        }
    }

    void drainAll()
    {
        for (final String port : devices.keySet())
        {
            received(port);
        }
    }

    void assertNoFrameLeaked()
    {
        drainAll();
        assertEquals(0, pool.outstanding(), "frames still out of the pool");
    }
}
