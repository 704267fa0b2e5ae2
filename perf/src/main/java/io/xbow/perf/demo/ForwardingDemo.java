package io.xbow.perf.demo;

import io.xbow.packet.DropReason;
import io.xbow.packet.address.Ipv4Address;
import io.xbow.packet.address.MacAddress;
import io.xbow.packet.build.FrameBuilder;
import io.xbow.packet.codec.ArpFlyweight;
import io.xbow.packet.codec.Icmpv4Flyweight;
import io.xbow.packet.format.FrameFormatter;
import io.xbow.packet.frame.FrameBatch;
import io.xbow.packet.frame.FramePool;
import io.xbow.perf.ReflectorDevice;
import io.xbow.vlan.VlanId;
import io.xbow.vlan.VlanPolicy;
import io.xbow.vlan.VlanSet;
import io.xbow.vswitch.SwitchConfig;
import io.xbow.vswitch.SwitchPort;
import io.xbow.vswitch.VirtualSwitch;
import io.xbow.vswitch.fdb.FdbEntry;
import io.xbow.vswitch.port.MemoryDevice;
import org.agrona.concurrent.SystemNanoClock;

import java.io.PrintStream;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The quick start until the daemon exists: a switch with three guests on two VLANs and a trunk uplink. It shows
 * an ARP broadcast flooding only within its VLAN (and tagged on the trunk), the reply and a ping going to one port
 * once the switch has learned, the forwarding table, then a two-second forwarding run and the port counters.
 */
public final class ForwardingDemo
{
    private static final long VM1 = MacAddress.parse("00:16:3e:00:00:01");
    private static final long VM2 = MacAddress.parse("00:16:3e:00:00:02");
    private static final long VM3 = MacAddress.parse("00:16:3e:00:00:03");
    private static final int IP1 = Ipv4Address.parse("10.0.10.1");
    private static final int IP2 = Ipv4Address.parse("10.0.10.2");

    private final PrintStream out;
    private final FramePool pool = new FramePool(4096);
    private final VirtualSwitch sw = new VirtualSwitch("stub0", pool, SwitchConfig.defaults(), SystemNanoClock.INSTANCE);
    private final Map<String, MemoryDevice> devices = new LinkedHashMap<>();
    private final Map<String, VlanPolicy> policies = new LinkedHashMap<>();
    private final FrameFormatter formatter = new FrameFormatter();
    private final FrameBatch drain = new FrameBatch(FrameBatch.MAX_CAPACITY);

    private ForwardingDemo(final PrintStream out)
    {
        this.out = out;
    }

    public static void main(final String[] args)
    {
        final double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 2.0;
        new ForwardingDemo(System.out).run(seconds);
    }

    private void run(final double seconds)
    {
        out.println("xbow forwarding demo: switch stub0, guests vm1 and vm2 on VLAN 10, vm3 on VLAN 20,");
        out.println("uplink0 a trunk carrying VLANs 10 and 20 tagged.");
        attach("vm1", VlanPolicy.access(10));
        attach("vm2", VlanPolicy.access(10));
        attach("vm3", VlanPolicy.access(20));
        attach("uplink0", VlanPolicy.trunk(VlanSet.of(10, 20), VlanId.NONE));

        step("vm1 asks who has 10.0.10.2 (broadcast: floods VLAN 10 only, tagged on the trunk)", "vm1",
            new FrameBuilder().ethernet(MacAddress.BROADCAST, VM1).arp(ArpFlyweight.OP_REQUEST, VM1, IP1, 0, IP2));
        step("vm2 answers (vm1 was learned: one port)", "vm2",
            new FrameBuilder().ethernet(VM1, VM2).arp(ArpFlyweight.OP_REPLY, VM2, IP2, VM1, IP1));
        step("vm1 pings vm2 (vm2 was learned: one port)", "vm1",
            new FrameBuilder().ethernet(VM2, VM1).ipv4(IP1, IP2).icmpEcho(Icmpv4Flyweight.TYPE_ECHO_REQUEST, 1, 1, 56));
        step("vm3 broadcasts on VLAN 20 (nobody on VLAN 10 sees it)", "vm3",
            new FrameBuilder().ethernet(MacAddress.BROADCAST, VM3).arp(ArpFlyweight.OP_REQUEST, VM3,
                Ipv4Address.parse("10.0.20.3"), 0, Ipv4Address.parse("10.0.20.1")));

        out.println();
        out.println("Forwarding table:");
        out.printf("  %-5s %-18s %-8s %s%n", "VLAN", "MAC", "PORT", "TYPE");
        // This demo drives the switch on its own thread: the query is answered by the next duty cycle.
        final CompletableFuture<List<FdbEntry>> query = sw.fdbEntries();
        sw.doWork();
        final List<FdbEntry> entries = query.join();
        entries.sort(Comparator.comparingInt(FdbEntry::vid).thenComparingLong(FdbEntry::mac));
        for (final FdbEntry entry : entries)
        {
            out.printf("  %-5d %-18s %-8s %s%n", entry.vid(), MacAddress.format(entry.mac()),
                portName(entry.port()), entry.isStatic() ? "static" : "learned");
        }

        throughput(seconds);
        counters();
        out.printf("%nFrames still out of the pool: %d%n", pool.outstanding());
        if (pool.outstanding() != 0)
        {
            throw new IllegalStateException("the demo leaked frames");
        }
    }

    private void attach(final String name, final VlanPolicy policy)
    {
        final MemoryDevice device = new MemoryDevice(256);
        sw.attach(name, device, policy);
        devices.put(name, device);
        policies.put(name, policy);
    }

    private void step(final String title, final String from, final FrameBuilder frame)
    {
        out.println();
        out.println("== " + title);
        final int handle = frame.build(pool);
        out.printf("  %-8s in   %s%n", from, formatter.format(pool.buffer(), pool.offset(handle), pool.length(handle)));
        devices.get(from).inject(handle);
        while (sw.doWork() > 0)
        {
            Thread.onSpinWait();
        }
        for (final Map.Entry<String, MemoryDevice> device : devices.entrySet())
        {
            drain.clear();
            device.getValue().drainTo(drain);
            for (int i = 0; i < drain.count(); i++)
            {
                final int f = drain.handle(i);
                out.printf("  %-8s out  %s%n", device.getKey(), formatter.format(pool.buffer(), pool.offset(f),
                    pool.length(f)));
            }
            pool.freeAll(drain);
        }
    }

    private void throughput(final double seconds)
    {
        out.println();
        out.printf("== Forwarding 60-byte frames (64 on the wire with FCS) between two reflector ports for %.1f s (batch 32, one thread)%n",
            seconds);
        final FramePool benchPool = new FramePool(256);
        final VirtualSwitch bench = new VirtualSwitch("bench0", benchPool, SwitchConfig.defaults(),
            SystemNanoClock.INSTANCE);
        final long a = MacAddress.parse("00:16:3e:00:01:01");
        final long b = MacAddress.parse("00:16:3e:00:01:02");
        final ReflectorDevice pa = new ReflectorDevice(benchPool, 64, a, b);
        final ReflectorDevice pb = new ReflectorDevice(benchPool, 64, b, a);
        final SwitchPort sa = bench.attach("a", pa, VlanPolicy.DEFAULT);
        bench.attach("b", pb, VlanPolicy.DEFAULT);
        final FrameBuilder builder = new FrameBuilder().ipv4(IP1, IP2).udp(1, 2, 18);
        for (int i = 0; i < 32; i++)
        {
            pa.prime(builder.ethernet(b, a).build(benchPool));
            pb.prime(builder.ethernet(a, b).build(benchPool));
        }
        final long deadline = System.nanoTime() + (long)(seconds * 1e9);
        final long start = System.nanoTime();
        long frames = 0;
        while (System.nanoTime() < deadline)
        {
            for (int i = 0; i < 1000; i++)
            {
                frames += bench.doWork();
            }
        }
        final double elapsed = (System.nanoTime() - start) / 1e9;
        out.printf("  %,d frames in %.2f s: %.1f million frames/s, %d dropped%n",
            frames, elapsed, frames / elapsed / 1e6, sa.counters().totalDrops());
        bench.onClose();
        pa.release();
        pb.release();
    }

    private void counters()
    {
        out.println();
        out.println("Port counters on stub0:");
        out.printf("  %-8s %-20s %8s %8s %8s %8s %6s%n", "PORT", "VLANS", "IPACKETS", "RBYTES", "OPACKETS", "OBYTES",
            "DROPS");
        for (final Map.Entry<String, VlanPolicy> entry : policies.entrySet())
        {
            final SwitchPort port = sw.port(entry.getKey());
            out.printf("  %-8s %-20s %8d %8d %8d %8d %6d%n", entry.getKey(), entry.getValue(),
                port.counters().rxFrames(), port.counters().rxBytes(), port.counters().txFrames(),
                port.counters().txBytes(), port.counters().totalDrops());
            for (final DropReason reason : DropReason.values())
            {
                if (port.counters().drops(reason) > 0)
                {
                    out.printf("  %-8s   dropped %s: %d%n", "", reason.label(), port.counters().drops(reason));
                }
            }
        }
    }

    private String portName(final int index)
    {
        for (final SwitchPort port : sw.ports())
        {
            if (port.index() == index)
            {
                return port.name();
            }
        }
        return "#" + index;
    }
}
