package io.xbow.perf;

import io.xbow.packet.address.Ipv4Address;
import io.xbow.packet.build.FrameBuilder;
import io.xbow.packet.frame.FramePool;
import io.xbow.vswitch.SwitchPort;
import io.xbow.vswitch.VirtualSwitch;

import java.util.function.IntSupplier;

/**
 * Reflector ports in a ring, port {@code i} sending to port {@code i + 1}: the traffic of the forwarding
 * benchmarks.
 */
final class ReflectorRing
{
    private ReflectorRing()
    {
    }

    /**
     * @param i a port's position in the ring.
     * @return its MAC address.
     */
    static long mac(final int i)
    {
        return 0x0016_3e00_0000L + i + 1;
    }

    /**
     * @param pool  the switch's pool.
     * @param ports how many.
     * @param batch frames each will have in flight.
     * @return reflectors, port {@code i} addressed from {@code mac(i)} to {@code mac(i + 1)}, swallowing what they
     * receive until {@link #start}.
     */
    static ReflectorDevice[] create(final FramePool pool, final int ports, final int batch)
    {
        final ReflectorDevice[] reflectors = new ReflectorDevice[ports];
        for (int i = 0; i < ports; i++)
        {
            reflectors[i] = new ReflectorDevice(pool, 2 * batch, mac(i), mac((i + 1) % ports));
            reflectors[i].sink(true);
        }
        return reflectors;
    }

    /**
     * Warm the forwarding table (every port says hello once while the ports swallow the floods), then prime every
     * port with its frames and let them reflect.
     *
     * @param reflectors from {@link #create}, attached to the switch.
     * @param pool       the switch's pool.
     * @param frameSize  frame length in bytes, from 64.
     * @param batch      frames each port has in flight.
     * @param cycle      runs one duty cycle of the switch and returns its work.
     */
    static void start(final ReflectorDevice[] reflectors, final FramePool pool, final int frameSize, final int batch,
        final IntSupplier cycle)
    {
        final int ports = reflectors.length;
        final FrameBuilder builder = new FrameBuilder()
            .ipv4(Ipv4Address.parse("10.0.0.1"), Ipv4Address.parse("10.0.0.2"))
            .udp(1024, 2048, frameSize - 42);
        for (int i = 0; i < ports; i++)
        {
            reflectors[i].prime(builder.ethernet(mac((i + 1) % ports), mac(i)).build(pool));
            cycle.getAsInt();
        }
        while (cycle.getAsInt() > 0)
        {
            Thread.onSpinWait();
        }
        for (int i = 0; i < ports; i++)
        {
            reflectors[i].sink(false);
            for (int f = 0; f < batch; f++)
            {
                reflectors[i].prime(builder.ethernet(mac((i + 1) % ports), mac(i)).build(pool));
            }
        }
    }

    /**
     * End a run: fail if the network dropped a frame, then close the switch and hand every frame back.
     *
     * @param sw         the switch (its duty cycles are the caller's thread).
     * @param reflectors its ports.
     */
    static void stop(final VirtualSwitch sw, final ReflectorDevice[] reflectors)
    {
        long drops = 0;
        for (final SwitchPort port : sw.ports())
        {
            drops += port.counters().totalDrops();
        }
        if (drops != 0)
        {
            throw new IllegalStateException(drops + " frames dropped during the benchmark");
        }
        sw.onClose();
        for (final ReflectorDevice reflector : reflectors)
        {
            reflector.release();
        }
    }
}
