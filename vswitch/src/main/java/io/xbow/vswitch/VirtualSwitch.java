package io.xbow.vswitch;

import io.xbow.packet.address.MacAddress;
import io.xbow.packet.frame.FramePool;
import io.xbow.vlan.VlanId;
import io.xbow.vlan.VlanPolicy;
import io.xbow.vswitch.capture.CapturePoint;
import io.xbow.vswitch.fdb.FdbEntry;
import io.xbow.vswitch.fdb.MacTable;
import io.xbow.vswitch.port.PortContext;
import io.xbow.vswitch.port.PortDevice;
import io.xbow.vswitch.stats.Counters;
import io.xbow.vswitch.thread.Wakeup;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;
import org.agrona.concurrent.NanoClock;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Supplier;

/**
 * A VLAN-aware learning switch: the control facade, run as an Agrona {@link Agent} by a datapath thread.
 * <p>
 * The control plane never touches datapath state. Its methods are thread-safe, validate their arguments at once,
 * prepare what the change needs (flood lists, indices), and enqueue a command; each duty cycle
 * ({@link #doWork()}) first applies the queued commands, then runs the {@link Forwarder}, which does everything
 * per frame. The future a method returns completes when its command has run. Tests that drive the switch by
 * calling {@code doWork()} themselves are the datapath thread.
 */
public final class VirtualSwitch implements Agent
{
    /** Switch counter: frames flooded (broadcast, multicast or unknown unicast). */
    public static final int FLOODED = 0;
    /** Switch gauge: entries in the forwarding table. */
    public static final int FDB_ENTRIES = 1;
    /** Switch counter: ports taken out of service because their device threw. */
    public static final int PORT_FAULTS = 2;
    /**
     * Switch counter: copies flooding made or tried to make beyond the frame itself (a flood to n ports makes n - 1),
     * so that every frame received is accounted for: sent + dropped = received + flood copies, over all ports.
     */
    public static final int FLOOD_COPIES = 3;
    /** Switch counter: super-frames cut into segments for an output port that cannot take them whole. */
    public static final int SEGMENTED = 4;
    /**
     * Switch counter: frames cutting super-frames added beyond the super-frames themselves (n segments add n - 1),
     * so that sent + dropped = received + flood copies + segments added, over all ports.
     */
    public static final int SEGMENTS_ADDED = 5;
    /** Switch counter: partial checksums finished for an output port that cannot take them. */
    public static final int CHECKSUMS_FINISHED = 6;
    private static final int COUNTER_COUNT = 7;

    private volatile String name;
    private volatile java.util.function.Consumer<SwitchPort> onPortFailed = port -> { };
    private final FramePool pool;
    private final SwitchConfig config;
    private final Counters counters = new Counters(COUNTER_COUNT);
    private final CapturePoint captureAll = new CapturePoint();
    private final ManyToOneConcurrentArrayQueue<Runnable> commands = new ManyToOneConcurrentArrayQueue<>(4096);
    private final Forwarder forwarder;
    private final SwitchContext context;

    // Control side, guarded by this: the ports as they will be once every queued command has run.
    private final Map<String, SwitchPort> portsByName = new HashMap<>();
    private final BitSet usedIndices = new BitSet();
    private final ConcurrentLinkedQueue<Integer> releasedIndices = new ConcurrentLinkedQueue<>();

    /**
     * @param name   the switch's name, for logs and thread names (the link that owns it).
     * @param pool   the frame pool every port's frames come from; owned by the same thread as the switch.
     * @param config tunables.
     * @param clock  the time source; tests pass a clock they advance by hand.
     */
    public VirtualSwitch(final String name, final FramePool pool, final SwitchConfig config, final NanoClock clock)
    {
        this.name = name;
        this.pool = pool;
        this.config = config;
        this.forwarder = new Forwarder(this, pool, config, clock, counters, captureAll);
        this.context = new SwitchContext(pool, forwarder.cycleClock());
    }

    // ---------------------------------------------------------------------------------------------------------
    // Control plane
    // ---------------------------------------------------------------------------------------------------------

    /**
     * Attach a port. It takes part in forwarding from the start of the switch's next cycle.
     *
     * @param portName unique name within the switch.
     * @param port     the device behind the port.
     * @param policy   its VLAN policy.
     * @return the attached port, with its index and counters.
     * @throws IllegalArgumentException if the name is taken or the switch is full.
     */
    public synchronized SwitchPort attach(final String portName, final PortDevice port, final VlanPolicy policy)
    {
        if (portsByName.containsKey(portName))
        {
            throw new IllegalArgumentException("port '" + portName + "' already exists on switch " + name);
        }
        for (Integer released; (released = releasedIndices.poll()) != null; )
        {
            usedIndices.clear(released);
        }
        final int index = usedIndices.nextClearBit(0);
        if (index >= config.maxPorts())
        {
            throw new IllegalArgumentException("switch " + name + " is full: " + config.maxPorts() + " ports");
        }
        usedIndices.set(index);
        final SwitchPort switchPort = new SwitchPort(index, portName, port, policy, config.batchSize());
        portsByName.put(portName, switchPort);
        final FloodLists lists = floodLists();
        final PortContext portContext = context.forPort(switchPort.counters());
        submit(() -> forwarder.install(switchPort, lists, portContext));
        return switchPort;
    }

    /**
     * Detach a port: frames waiting for it are handed to it one last time, and every forwarding entry naming it is
     * removed.
     *
     * @param switchPort a port of this switch.
     * @return completes when the datapath has let go of the port.
     */
    public synchronized CompletableFuture<Void> detach(final SwitchPort switchPort)
    {
        if (portsByName.get(switchPort.name()) != switchPort)
        {
            throw new IllegalArgumentException("port '" + switchPort.name() + "' is not attached to switch " + name);
        }
        portsByName.remove(switchPort.name());
        final FloodLists lists = floodLists();
        return submit(() ->
        {
            forwarder.uninstall(switchPort, lists);
            releasedIndices.add(switchPort.index);
        });
    }

    /**
     * Replace a port's VLAN policy; the MACs it had learned are forgotten, since their VLANs may have changed.
     *
     * @param switchPort a port of this switch.
     * @param policy     the new policy.
     * @return completes when the policy is in force.
     */
    public synchronized CompletableFuture<Void> policy(final SwitchPort switchPort, final VlanPolicy policy)
    {
        switchPort.configuredPolicy = policy;
        final FloodLists lists = floodLists();
        return submit(() -> forwarder.policy(switchPort, policy, lists));
    }

    /**
     * Set the order in which the switch serves a port: every cycle ports are polled from the highest priority
     * (0) down, so on a congested output the frames of higher-priority ports take the room first (strict
     * priority); ports of equal priority are served in the order they were attached.
     *
     * @param switchPort a port of this switch.
     * @param priority   0 (served first) and up.
     * @return completes when the new order is in force.
     */
    public CompletableFuture<Void> priority(final SwitchPort switchPort, final int priority)
    {
        if (priority < 0)
        {
            throw new IllegalArgumentException("port priority must not be negative, got " + priority);
        }
        return submit(() -> forwarder.priority(switchPort, priority));
    }

    /**
     * Rename a port; everything attached to it stays.
     *
     * @param switchPort a port of this switch.
     * @param newName    a name no other port of the switch has.
     */
    public synchronized void rename(final SwitchPort switchPort, final String newName)
    {
        if (portsByName.get(switchPort.name()) != switchPort)
        {
            throw new IllegalArgumentException("port '" + switchPort.name() + "' is not attached to switch " + name);
        }
        if (portsByName.containsKey(newName))
        {
            throw new IllegalArgumentException("port '" + newName + "' already exists on switch " + name);
        }
        portsByName.remove(switchPort.name());
        switchPort.name = newName;
        portsByName.put(newName, switchPort);
    }

    /**
     * Rename the switch (when the link that owns it is renamed).
     *
     * @param newName the new name.
     */
    public void rename(final String newName)
    {
        name = newName;
    }

    /**
     * Add a static forwarding entry: the address never ages, learning never moves it.
     *
     * @param vid        VLAN id, 1 to 4094.
     * @param mac        a unicast MAC.
     * @param switchPort the port that reaches it.
     * @return completes when the entry is in the table.
     */
    public CompletableFuture<Void> addStaticMac(final int vid, final long mac, final SwitchPort switchPort)
    {
        VlanId.validate(vid);
        if (!MacAddress.isValidUnicast(mac))
        {
            throw new IllegalArgumentException("a static MAC must be unicast: " + MacAddress.format(mac));
        }
        return submit(() ->
        {
            if (!forwarder.isAttached(switchPort))
            {
                throw new IllegalArgumentException("port '" + switchPort.name() + "' is not attached to switch " + name);
            }
            forwarder.fdb().addStatic(vid, mac, switchPort.index);
        });
    }

    /**
     * @param vid VLAN id.
     * @param mac MAC address.
     * @return completes with true if a static entry was removed.
     */
    public CompletableFuture<Boolean> removeStaticMac(final int vid, final long mac)
    {
        return query(() -> forwarder.fdb().removeStatic(vid, mac));
    }

    /**
     * @return completes with a snapshot of the forwarding table.
     */
    public CompletableFuture<List<FdbEntry>> fdbEntries()
    {
        return query(() -> forwarder.fdb().entries(forwarder.nowMs()));
    }

    /**
     * Forget every learned MAC, keeping static entries.
     *
     * @return completes with the number forgotten.
     */
    public CompletableFuture<Integer> flushFdb()
    {
        return query(() -> forwarder.fdb().flushLearned());
    }

    /**
     * Run a command on the datapath thread, after every command submitted before it: for changes to what stands
     * behind a port (plugging a device) that must not overtake an attach.
     *
     * @param command the change.
     * @return completes when it has run.
     */
    public CompletableFuture<Void> run(final Runnable command)
    {
        return submit(command);
    }

    /**
     * @return completes when every command submitted before it has been applied.
     */
    public CompletableFuture<Void> sync()
    {
        return submit(() -> {});
    }

    /**
     * @return the ports attached, as the control plane knows them.
     */
    public synchronized List<SwitchPort> ports()
    {
        return new ArrayList<>(portsByName.values());
    }

    /**
     * @param portName a port's name.
     * @return the port, or null.
     */
    public synchronized SwitchPort port(final String portName)
    {
        return portsByName.get(portName);
    }

    /** The flood lists for the ports as they will be; called with the lock held, just before queuing the change. */
    private FloodLists floodLists()
    {
        return FloodLists.of(portsByName.values(), port -> port.configuredPolicy);
    }

    private CompletableFuture<Void> submit(final Runnable command)
    {
        return query(() ->
        {
            command.run();
            return null;
        });
    }

    private <T> CompletableFuture<T> query(final Supplier<T> command)
    {
        final CompletableFuture<T> future = new CompletableFuture<>();
        final Runnable wrapped = () ->
        {
            try
            {
                future.complete(command.get());
            }
            catch (final RuntimeException ex)
            {
                future.completeExceptionally(ex);
            }
        };
        if (!commands.offer(wrapped))
        {
            throw new IllegalStateException("switch " + name + " is not taking commands: its queue is full");
        }
        context.wakeup();
        return future;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Datapath
    // ---------------------------------------------------------------------------------------------------------

    /**
     * Datapath thread only.
     *
     * @return true when no frame of this switch's pool is held anywhere (queued for tokens, for a guest's buffers,
     *         in an output): nothing here waits for time to pass.
     */
    public boolean isQuiescent()
    {
        return forwarder.isQuiescent();
    }

    /**
     * Datapath thread only.
     *
     * @return nanoseconds from the last cycle until a port has timed work (a shaper's next release), or
     *         {@link Long#MAX_VALUE} for none.
     */
    public long nextDelayNs()
    {
        return forwarder.nextDelayNs();
    }

    /**
     * @param listener told, on the datapath thread, when a port's device failed and the switch took the port out of
     *                 service (a host interface deleted under xbow); it must not block: it hands the news to a
     *                 control thread.
     */
    public void onPortFailed(final java.util.function.Consumer<SwitchPort> listener)
    {
        onPortFailed = listener;
    }

    /** Datapath thread: tell the control plane a port failed. */
    void portFailed(final SwitchPort port)
    {
        try
        {
            onPortFailed.accept(port);
        }
        catch (final RuntimeException ex)
        {
            System.getLogger(VirtualSwitch.class.getName()).log(System.Logger.Level.ERROR,
                "switch " + name + ": the port failure listener failed", ex);
        }
    }

    /**
     * Called by the thread that runs this switch: its ports, and commands queued for it, wake that thread from now on.
     *
     * @param wakeup wakes the datapath thread running this switch.
     */
    public void wakeupBy(final Wakeup wakeup)
    {
        context.wakeupBy(wakeup);
        wakeup.wakeup();
    }

    @Override
    public String roleName()
    {
        return "vswitch-" + name;
    }

    @Override
    public int doWork()
    {
        final int work = commands.isEmpty() ? 0 : commands.drain(Runnable::run);
        return work + forwarder.cycle();
    }

    @Override
    public void onClose()
    {
        forwarder.close();
    }

    // ---------------------------------------------------------------------------------------------------------
    // Introspection
    // ---------------------------------------------------------------------------------------------------------

    public String name()
    {
        return name;
    }

    public FramePool pool()
    {
        return pool;
    }

    public SwitchConfig config()
    {
        return config;
    }

    /**
     * @return where every frame entering the switch, from any port, is captured (once each, after VLAN
     * classification; the frame's VLAN is shown as a tag unless it is VLAN 1).
     */
    public CapturePoint capturePoint()
    {
        return captureAll;
    }

    /**
     * @return the switch's counters ({@link #FLOODED}, {@link #FDB_ENTRIES}); readable from any thread.
     */
    public Counters counters()
    {
        return counters;
    }

    /**
     * @return the forwarding table's event counters (see {@link MacTable#counters()}); readable from any thread.
     */
    public Counters fdbCounters()
    {
        return forwarder.fdb().counters();
    }

    /**
     * @return the forwarding table itself; only the datapath thread (or a test driving {@code doWork()}) may use it.
     */
    public MacTable macTable()
    {
        return forwarder.fdb();
    }

    /**
     * @return a clock that reads the time of the switch's current cycle: what stages inside the switch's ports
     * (shapers, timers) use, so that the clock is read once per cycle.
     */
    public NanoClock cycleClock()
    {
        return forwarder.cycleClock();
    }

    /**
     * @return the current time in the forwarding table's milliseconds, as of the last cycle.
     */
    public long nowMs()
    {
        return forwarder.nowMs();
    }
}
