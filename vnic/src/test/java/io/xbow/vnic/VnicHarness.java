package io.xbow.vnic;

import io.xbow.packet.build.FrameBuilder;
import io.xbow.packet.frame.FrameBatch;
import io.xbow.packet.frame.FramePool;
import io.xbow.vnic.link.Link;
import io.xbow.vnic.link.PhysicalLinkSpec;
import io.xbow.vnic.link.PortLink;
import io.xbow.vnic.link.SwitchLink;
import io.xbow.vswitch.port.MemoryDevice;
import io.xbow.vswitch.thread.ManualDatapath;
import org.agrona.concurrent.CachedNanoClock;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A registry on a manual datapath with a clock the test moves: links get in-memory devices (the wire of a
 * physical link, the guest behind a VNIC) that the test feeds and drains; the test is the datapath thread.
 */
final class VnicHarness implements AutoCloseable
{
    final CachedNanoClock clock = new CachedNanoClock();
    final ManualDatapath datapath = new ManualDatapath();
    final LinkRegistry registry;
    final Map<String, MemoryDevice> devices = new HashMap<>();
    private final FrameBatch drain = new FrameBatch(FrameBatch.MAX_CAPACITY);

    VnicHarness()
    {
        this(RegistryConfig.defaults().withFramesPerSwitch(2048));
    }

    VnicHarness(final RegistryConfig config)
    {
        registry = new LinkRegistry(config, datapath, clock, new SplittableRandom(7));
    }

    void phys(final String name, final PhysicalLinkSpec spec)
    {
        final MemoryDevice wire = new MemoryDevice(1024);
        registry.createPhys(name, wire, spec, false);
        devices.put(name, wire);
    }

    /** Plug an in-memory guest device into a VNIC or VLAN link. */
    MemoryDevice plug(final String link)
    {
        return plug(link, 1024);
    }

    MemoryDevice plug(final String link, final int capacity)
    {
        final MemoryDevice guest = new MemoryDevice(capacity);
        registry.plug(link, guest);
        devices.put(link, guest);
        return guest;
    }

    FramePool poolOf(final String link)
    {
        final Link l = registry.link(link);
        final SwitchLink sw = l instanceof SwitchLink ? (SwitchLink)l : ((PortLink)l).overLink();
        return sw.switchOf().pool();
    }

    /** The guest (or the wire) behind a link sends a frame. */
    void send(final String link, final FrameBuilder frame)
    {
        final int handle = frame.build(poolOf(link));
        assertNotEquals(FramePool.NO_FRAME, handle, "pool exhausted");
        assertTrue(devices.get(link).inject(handle), "device queue full");
    }

    void run()
    {
        datapath.runUntilIdle();
    }

    /** What the guest (or the wire) behind a link received since last asked; the frames go back to the pool. */
    List<byte[]> received(final String link)
    {
        final List<byte[]> frames = new ArrayList<>();
        final FramePool pool = poolOf(link);
        while (true)
        {
            drain.clear();
            if (devices.get(link).drainTo(drain) == 0)
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

    int receivedCount(final String link)
    {
        return received(link).size();
    }

    void drainAll()
    {
        for (final String link : devices.keySet())
        {
            if (registryHas(link))
            {
                received(link);
            }
        }
    }

    private boolean registryHas(final String link)
    {
        return registry.links().stream().anyMatch(l -> l.name().equals(link));
    }

    /** Delete everything and check every switch pool got every frame back. */
    void assertNoFrameLeaked()
    {
        run();
        drainAll();
        for (final Link link : registry.links())
        {
            if (link instanceof SwitchLink)
            {
                final SwitchLink sw = (SwitchLink)link;
                assertEquals(0, sw.switchOf().pool().outstanding() - framesHeldByShapers(sw),
                    "frames out of " + link.name() + "'s pool");
            }
        }
    }

    private long framesHeldByShapers(final SwitchLink sw)
    {
        long held = 0;
        for (final Link link : registry.links())
        {
            if (link instanceof PortLink && ((PortLink)link).overLink() == sw)
            {
                held += ((PortLink)link).vnicPort().counters().inboundQueueDepth();
                held += ((PortLink)link).vnicPort().counters().outboundQueueDepth();
            }
        }
        return held;
    }

    @Override
    public void close()
    {
        registry.close();
    }
}
