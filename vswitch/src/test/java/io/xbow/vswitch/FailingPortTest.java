package io.xbow.vswitch;

import io.xbow.packet.DropReason;
import io.xbow.packet.address.MacAddress;
import io.xbow.packet.build.FrameBuilder;
import io.xbow.packet.frame.FrameBatch;
import io.xbow.packet.parse.HeaderChain;
import io.xbow.vlan.VlanPolicy;
import io.xbow.vswitch.port.IngressStage;
import io.xbow.vswitch.port.PortDevice;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

/**
 * A port whose device throws, at whichever step, is counted and taken out of service; every frame it was handing
 * over or being handed is freed exactly once (the pool would refuse a second free), and the other ports go on.
 */
class FailingPortTest
{
    private static final long A = MacAddress.parse("00:16:3e:00:00:0a");
    private static final long B = MacAddress.parse("00:16:3e:00:00:0b");

    private final SwitchHarness h = new SwitchHarness(SwitchConfig.defaults());

    @AfterEach
    void everyFrameIsBackInThePool()
    {
        h.assertNoFrameLeaked();
    }

    private static FrameBuilder frame(final long dst, final long src)
    {
        return SwitchHarness.frame(dst, src);
    }

    /** Throws where it is told to; receive hands over frames first, as a device that fails halfway would. */
    private final class Faulty implements PortDevice, IngressStage
    {
        final String step;
        int calls;

        Faulty(final String step)
        {
            this.step = step;
        }

        @Override
        public int receive(final FrameBatch batch)
        {
            if (calls++ > 0)
            {
                return 0;
            }
            for (int i = 0; i < 3; i++)
            {
                batch.add(frame(MacAddress.BROADCAST, B).build(h.pool));
            }
            if (step.equals("receive"))
            {
                throw new IllegalStateException("device gone while reading");
            }
            return 3;
        }

        @Override
        public int transmit(final FrameBatch batch)
        {
            if (step.equals("transmit"))
            {
                throw new IllegalStateException("device gone while writing");
            }
            for (int i = 0; i < batch.count(); i++)
            {
                h.pool.free(batch.handle(i)); // taken, and consumed
            }
            return batch.count();
        }

        @Override
        public IngressStage ingressStage()
        {
            return step.equals("admit") ? this : null;
        }

        @Override
        public int admit(final int frame, final int length, final HeaderChain chain)
        {
            throw new IllegalStateException("policy stage broke");
        }
    }

    @Test
    void shouldTakeAPortThatThrowsOutOfServiceAndFreeEveryFrameOnce()
    {
        for (final String step : new String[] {"receive", "admit", "transmit"})
        {
            h.attach("a-" + step, VlanPolicy.DEFAULT);
            final SwitchPort bad = h.sw.attach("bad-" + step, new Faulty(step), VlanPolicy.DEFAULT);
            h.send("a-" + step, frame(MacAddress.BROADCAST, A)); // flooded to the faulty port too
            h.cycle();
            h.send("a-" + step, frame(MacAddress.BROADCAST, A));
            h.cycle();

            assertTrue(bad.failed(), step + ": out of service");
            assertTrue(bad.counters().drops(DropReason.PORT_FAILED) >= 1, step + ": its lost frames are counted");
            h.drainAll();
            assertEquals(0, h.pool.outstanding(), step + ": every frame back in the pool, none freed twice");
        }
        assertEquals(3, h.sw.counters().get(VirtualSwitch.PORT_FAULTS));
    }
}
