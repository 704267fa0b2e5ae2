package io.xbow.vswitch;

import io.xbow.packet.DropReason;
import io.xbow.packet.address.Ipv4Address;
import io.xbow.packet.address.MacAddress;
import io.xbow.packet.build.FrameBuilder;
import io.xbow.packet.frame.FramePool;
import io.xbow.vlan.VlanId;
import io.xbow.vlan.VlanPolicy;
import io.xbow.vlan.VlanSet;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Random traffic (good frames, random bytes, tags the ports allow and tags they do not), with ports attached,
 * detached and re-policied on the way, small queues that overflow and a small pool that runs dry: the switch never
 * throws, every frame it received (and every flood copy of it) is delivered or counted as dropped exactly once, and
 * the pool ends with every frame back.
 */
class RandomWorkloadTest
{
    @Test
    void shouldAccountForEveryFrameAndReturnThemAllToThePool()
    {
        final SwitchHarness h = new SwitchHarness(SwitchConfig.defaults().withLearningLimits(64, 256), 512);
        final SplittableRandom random = new SplittableRandom(20261122);
        final FrameBuilder builder = new FrameBuilder();
        final List<SwitchPort> detached = new ArrayList<>();
        final String[] names = new String[8];
        for (int i = 0; i < names.length; i++)
        {
            names[i] = "p" + i;
            h.attach(names[i], policy(random), 8 + random.nextInt(64));
        }

        long injected = 0;
        for (int step = 0; step < 30_000; step++)
        {
            final String port = names[random.nextInt(names.length)];
            if (h.sw.port(port) == null)
            {
                continue;
            }
            final int frame = randomFrame(h.pool, builder, random);
            if (frame == FramePool.NO_FRAME)
            {
                h.cycle();
                h.drainAll();
                continue;
            }
            if (!h.devices.get(port).inject(frame))
            {
                h.pool.free(frame);
                continue;
            }
            injected++;
            switch (random.nextInt(200))
            {
                case 0:
                    final SwitchPort victim = h.sw.port(names[random.nextInt(names.length)]);
                    if (victim != null)
                    {
                        h.cycle();
                        h.sw.detach(victim);
                        h.cycle();
                        detached.add(victim);
                        h.received(victim.name()); // whatever it had been sent before it left
                    }
                    break;
                case 1:
                    final SwitchPort port2 = h.sw.port(names[random.nextInt(names.length)]);
                    if (port2 != null)
                    {
                        h.sw.policy(port2, policy(random));
                    }
                    break;
                case 2:
                    h.advance(random.nextInt(400), TimeUnit.SECONDS);
                    break;
                default:
            }
            if (random.nextInt(8) == 0)
            {
                h.cycle();
            }
            if (random.nextInt(16) == 0)
            {
                h.drainAll();
            }
            for (int i = 0; i < names.length; i++)
            {
                if (h.sw.port(names[i]) == null && random.nextInt(200) == 0)
                {
                    names[i] = "p" + i + "-" + step;
                    h.attach(names[i], policy(random), 8 + random.nextInt(64));
                }
            }
        }
        h.cycle();
        h.drainAll();

        long received = 0;
        final List<SwitchPort> all = new ArrayList<>(h.sw.ports());
        all.addAll(detached);
        for (final SwitchPort port : all)
        {
            received += port.counters().rxFrames();
        }
        assertTrue(received > 10_000, "the workload reached the switch");
        assertEquals(injected, received, "the switch took every injected frame");
        long drops = 0;
        for (final SwitchPort port : all)
        {
            for (final DropReason reason : DropReason.values())
            {
                drops += port.counters().drops(reason);
            }
        }
        assertTrue(drops > 0, "the workload exercised drops");
        long sent = 0;
        for (final SwitchPort port : all)
        {
            sent += port.counters().txFrames();
        }
        // Conservation: each frame received, and each flood copy of it, was sent once or counted as dropped once.
        assertEquals(received + h.sw.counters().get(VirtualSwitch.FLOOD_COPIES), sent + drops,
            "sent " + sent + " + dropped " + drops + " against received " + received + " + flood copies");
        h.assertNoFrameLeaked();
    }

    private static VlanPolicy policy(final SplittableRandom random)
    {
        switch (random.nextInt(3))
        {
            case 0: return VlanPolicy.access(1 + random.nextInt(3));
            case 1: return VlanPolicy.trunk(VlanSet.of(1, 2, 3), VlanId.NONE);
            default: return VlanPolicy.trunk(VlanSet.of(2, 3), 1);
        }
    }

    private static int randomFrame(final FramePool pool, final FrameBuilder builder, final SplittableRandom random)
    {
        final long src = 0x0016_3e00_0000L + random.nextInt(40);
        final long dst = random.nextInt(5) == 0 ? MacAddress.BROADCAST : 0x0016_3e00_0000L + random.nextInt(40);
        builder.reset().ethernet(dst, src);
        final int kind = random.nextInt(10);
        if (kind == 0)
        {
            final int frame = pool.allocate();
            if (frame != FramePool.NO_FRAME)
            {
                final byte[] bytes = new byte[random.nextInt(120)];
                random.nextBytes(bytes);
                pool.put(frame, bytes);
            }
            return frame;
        }
        if (kind <= 3)
        {
            builder.vlan(random.nextInt(5)); // 0 (priority tag) to 4: some allowed, some not
        }
        return builder.ipv4(Ipv4Address.parse("10.0.0.1"), Ipv4Address.parse("10.0.0.2"))
            .udp(1, 2, random.nextInt(200)).build(pool);
    }
}
