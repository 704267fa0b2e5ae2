package io.xbow.perf;

import io.xbow.packet.frame.FramePool;
import io.xbow.vlan.VlanPolicy;
import io.xbow.vnic.LinkRegistry;
import io.xbow.vnic.RegistryConfig;
import io.xbow.vnic.link.SwitchLink;
import io.xbow.vnic.mac.MacSpec;
import io.xbow.vswitch.SwitchConfig;
import io.xbow.vswitch.SwitchPort;
import io.xbow.vswitch.VirtualSwitch;
import io.xbow.vswitch.thread.ManualDatapath;
import org.agrona.concurrent.SystemNanoClock;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The cost of the VNIC stages, in L2ForwardBenchmark's setting (64-byte frames, batch 32, reflector guests, one
 * thread): {@code bare} attaches the reflectors straight to a switch; {@code vnic} puts each behind a VNIC with
 * every policy on: VLAN id 100, protection mac-nospoof, ip-nospoof (with allowed-ips), dhcp-nospoof and restricted,
 * and maxbw 1000G, far above the offered load, so the shaper runs on every frame without ever holding one back.
 * Read the {@code frames} rows.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {Jvm.ADD_EXPORTS, Jvm.MISC_UNSAFE})
@State(Scope.Thread)
public class VnicForwardBenchmark
{
    @Param({"bare", "vnic"})
    String mode;

    @Param({"2", "256"})
    int ports;

    private static final int BATCH = 32;
    private static final int FRAME_SIZE = 64;

    private ManualDatapath datapath;
    private LinkRegistry registry;
    private VirtualSwitch sw;
    private ReflectorDevice[] reflectors;

    @Setup
    public void setUp()
    {
        datapath = new ManualDatapath();
        final SwitchConfig switchConfig = SwitchConfig.defaults().withBatchSize(BATCH).withMaxPorts(Math.max(ports, 16));
        registry = new LinkRegistry(
            RegistryConfig.defaults().withFramesPerSwitch(ports * BATCH + 256).withSwitchConfig(switchConfig),
            datapath, SystemNanoClock.INSTANCE);
        sw = ((SwitchLink)registry.createEtherstub("stub0", true)).switchOf();
        final FramePool pool = sw.pool();
        reflectors = ReflectorRing.create(pool, ports, BATCH);
        for (int i = 0; i < ports; i++)
        {
            if (mode.equals("vnic"))
            {
                final Map<String, String> properties = new HashMap<>();
                properties.put("protection", "mac-nospoof,ip-nospoof,dhcp-nospoof,restricted");
                properties.put("allowed-ips", "10.0.0.0/24");
                properties.put("maxbw", "1000G");
                registry.createVnic("vnic" + i, "stub0", MacSpec.fixed(ReflectorRing.mac(i)), 100, properties, true);
                registry.plug("vnic" + i, reflectors[i]);
            }
            else
            {
                sw.attach("p" + i, reflectors[i], VlanPolicy.DEFAULT);
            }
        }
        ReflectorRing.start(reflectors, pool, FRAME_SIZE, BATCH, datapath::cycle);
    }

    @TearDown
    public void tearDown()
    {
        long drops = 0;
        for (final SwitchPort port : sw.ports())
        {
            drops += port.counters().totalDrops();
        }
        for (int i = 0; mode.equals("vnic") && i < ports; i++)
        {
            drops += registry.stats("vnic" + i).ierrors() + registry.stats("vnic" + i).oerrors();
        }
        if (drops != 0)
        {
            throw new IllegalStateException(drops + " frames dropped: the policies must pass this traffic");
        }
        registry.close();
    }

    @Benchmark
    public int forward(final FrameCounter frames)
    {
        final int moved = datapath.cycle();
        frames.frames += moved;
        return moved;
    }
}
