package io.xbow.vswitch;

import io.xbow.packet.DropReason;
import io.xbow.packet.address.MacAddress;
import io.xbow.packet.frame.FrameBatch;
import io.xbow.packet.frame.FramePool;
import io.xbow.packet.parse.HeaderChain;
import io.xbow.packet.parse.ParseResult;
import io.xbow.vlan.VlanId;
import io.xbow.vlan.VlanPolicy;
import io.xbow.vlan.VlanTagger;
import io.xbow.vswitch.capture.CapturePoint;
import io.xbow.vswitch.capture.CaptureTap;
import io.xbow.vswitch.capture.FrameFilter;
import io.xbow.vswitch.fdb.FdbEntry;
import io.xbow.vswitch.fdb.MacTable;
import io.xbow.vswitch.port.IngressStage;
import io.xbow.vswitch.port.Port;
import io.xbow.vswitch.stats.Counters;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.Agent;
import org.agrona.concurrent.CachedNanoClock;
import org.agrona.concurrent.ManyToOneConcurrentArrayQueue;
import org.agrona.concurrent.NanoClock;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A VLAN-aware learning switch, run as an Agrona {@link Agent} by a datapath thread.
 * <p>
 * Each duty cycle ({@link #doWork()}):
 * <ol>
 *   <li>applies control commands (attach, detach, policy and static MAC changes) queued by other threads;</li>
 *   <li>reads the clock once;</li>
 *   <li>polls every port for a batch and, frame by frame: validates the header chain, applies the ingress port's
 *   VLAN policy (popping the tag: inside the switch frames are untagged and carry their VLAN in metadata), learns
 *   the source, looks up the destination, and appends the frame to the destination port's output batch (a copy per
 *   port when flooding; a tag pushed where the output port wants one);</li>
 *   <li>flushes each output batch that received frames once, with a single {@link Port#transmit} call;</li>
 *   <li>sweeps aged MAC entries when due.</li>
 * </ol>
 * Every frame that is not delivered is freed and counted by reason on the port where it was lost. Nothing on this
 * path allocates, locks or throws for any frame content.
 * <p>
 * The control plane never touches datapath state: its methods are thread-safe, validate their arguments at once,
 * and enqueue a command that the switch applies at the top of its next cycle; the returned future completes then.
 * Tests that drive the switch by calling {@code doWork()} themselves are the datapath thread.
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
    private static final int COUNTER_COUNT = 4;
    private static final System.Logger LOG = System.getLogger(VirtualSwitch.class.getName());

    private static final SwitchPort[] NO_PORTS = new SwitchPort[0];
    private static final Comparator<SwitchPort> PORT_ORDER =
        Comparator.<SwitchPort>comparingInt(p -> p.priority).thenComparingLong(p -> p.attachOrder);

    private volatile String name;
    private final FramePool pool;
    private final MutableDirectBuffer buffer;
    private final SwitchConfig config;
    private final NanoClock clock;
    private final CachedNanoClock cycleClock = new CachedNanoClock();
    private final long epochNs;
    private long attachCount;
    private final long sweepIntervalMs;

    // Control side: thread-safe.
    private final ManyToOneConcurrentArrayQueue<Runnable> commands = new ManyToOneConcurrentArrayQueue<>(4096);
    private final Map<String, SwitchPort> portsByName = new HashMap<>();
    private final BitSet usedIndices = new BitSet();
    private final ConcurrentLinkedQueue<Integer> releasedIndices = new ConcurrentLinkedQueue<>();
    private volatile Wakeup wakeup = Wakeup.NONE;
    private final CapturePoint captureAll = new CapturePoint();

    // Datapath side: owned by the thread running doWork().
    private final MacTable fdb;
    private final Counters counters = new Counters(COUNTER_COUNT);
    private final HeaderChain chain = new HeaderChain();
    private final FrameBatch rx;
    private final SwitchPort[] portsByIndex;
    private final SwitchPort[][] floodLists = new SwitchPort[VlanId.MAX + 1][];
    private SwitchPort[] active = NO_PORTS;
    private final SwitchPort[] dirty;
    private int dirtyCount;
    private boolean floodListsStale;
    private long nowNs;
    private long nowMs;
    private long nextSweepMs;
    private CaptureTap[] switchTaps;

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
        this.buffer = pool.buffer();
        this.config = config;
        this.clock = clock;
        this.epochNs = clock.nanoTime();
        this.cycleClock.update(epochNs);
        final long agingMs = Math.max(1, TimeUnit.NANOSECONDS.toMillis(config.agingNs()));
        this.sweepIntervalMs = Math.max(1, Math.min(1000, agingMs / 10));
        this.fdb = new MacTable(config.maxPorts(), config.maxLearnedPerPort(), config.maxLearned(), agingMs);
        this.rx = new FrameBatch(config.batchSize());
        this.portsByIndex = new SwitchPort[config.maxPorts()];
        this.dirty = new SwitchPort[config.maxPorts()];
        for (int vid = 0; vid <= VlanId.MAX; vid++)
        {
            floodLists[vid] = NO_PORTS;
        }
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
    public synchronized SwitchPort attach(final String portName, final Port port, final VlanPolicy policy)
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
        submit(() -> install(switchPort));
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
        return submit(() -> uninstall(switchPort));
    }

    /**
     * Replace a port's VLAN policy; the MACs it had learned are forgotten, since their VLANs may have changed.
     *
     * @param switchPort a port of this switch.
     * @param policy     the new policy.
     * @return completes when the policy is in force.
     */
    public CompletableFuture<Void> policy(final SwitchPort switchPort, final VlanPolicy policy)
    {
        return submit(() ->
        {
            switchPort.policy = policy;
            fdb.flushLearned(switchPort.index);
            floodListsStale = true;
        });
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
        return submit(() ->
        {
            switchPort.priority = priority;
            sortActive();
        });
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
            if (portsByIndex[switchPort.index] != switchPort)
            {
                throw new IllegalArgumentException("port '" + switchPort.name() + "' is not attached to switch " + name);
            }
            fdb.addStatic(vid, mac, switchPort.index);
        });
    }

    /**
     * @param vid VLAN id.
     * @param mac MAC address.
     * @return completes with true if a static entry was removed.
     */
    public CompletableFuture<Boolean> removeStaticMac(final int vid, final long mac)
    {
        return query(() -> fdb.removeStatic(vid, mac));
    }

    /**
     * @return completes with a snapshot of the forwarding table.
     */
    public CompletableFuture<List<FdbEntry>> fdbEntries()
    {
        return query(() -> fdb.entries(nowMs));
    }

    /**
     * Forget every learned MAC, keeping static entries.
     *
     * @return completes with the number forgotten.
     */
    public CompletableFuture<Integer> flushFdb()
    {
        return query(fdb::flushLearned);
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
        wakeup.wakeup();
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
        return pool.outstanding() == 0;
    }

    /**
     * Datapath thread only.
     *
     * @return nanoseconds from the last cycle until a port has timed work (a shaper's next release), or
     *         {@link Long#MAX_VALUE} for none.
     */
    public long nextDelayNs()
    {
        long deadline = Long.MAX_VALUE;
        for (final SwitchPort port : active)
        {
            if (!port.failed)
            {
                deadline = Math.min(deadline, port.port.nextDeadlineNs(nowNs));
            }
        }
        return deadline == Long.MAX_VALUE ? Long.MAX_VALUE : Math.max(0, deadline - nowNs);
    }

    /**
     * Called by the thread that runs this switch; ports attached from then on are given it too.
     *
     * @param wakeup wakes the datapath thread running this switch.
     */
    public void wakeupBy(final Wakeup wakeup)
    {
        this.wakeup = wakeup;
        submit(() ->
        {
            for (final SwitchPort port : active)
            {
                port.port.wakeupBy(wakeup);
            }
        });
    }

    @Override
    public String roleName()
    {
        return "vswitch-" + name;
    }

    @Override
    public int doWork()
    {
        int work = commands.isEmpty() ? 0 : commands.drain(Runnable::run);
        if (floodListsStale)
        {
            rebuildFloodLists();
        }
        nowNs = clock.nanoTime();
        nowMs = (nowNs - epochNs) / 1_000_000;
        cycleClock.update(nowNs);
        switchTaps = captureAll.taps();

        final SwitchPort[] ports = active;
        for (final SwitchPort in : ports)
        {
            if (in.failed)
            {
                continue;
            }
            rx.clear();
            final int received;
            try
            {
                received = in.port.receive(rx);
            }
            catch (final RuntimeException ex)
            {
                failDropping(in, ex, rx, 0); // what it put in the batch before throwing was handed over
                continue;
            }
            if (received > 0)
            {
                work += received;
                forward(in, rx);
            }
        }
        flushAll();

        if (nowMs >= nextSweepMs)
        {
            nextSweepMs = nowMs + sweepIntervalMs;
            work += fdb.age(nowMs);
            counters.set(FDB_ENTRIES, fdb.size());
        }
        return work;
    }

    @Override
    public void onClose()
    {
        for (final SwitchPort port : active)
        {
            pool.freeAll(port.output);
            port.port.onDetach();
        }
    }

    private void forward(final SwitchPort in, final FrameBatch frames)
    {
        final int count = frames.count();
        final IngressStage stage = in.stage;
        final CaptureTap[] inTaps = in.captureIn.taps();
        final CaptureTap[] allTaps = switchTaps;
        int received = count;
        long bytes = 0;
        for (int i = 0; i < count; i++)
        {
            final int frame = frames.handle(i);
            final int length = pool.length(frame);
            if (chain.parse(buffer, pool.offset(frame), length) != ParseResult.OK)
            {
                bytes += length;
                drop(in, frame, DropReason.MALFORMED);
                continue;
            }
            if (stage != null)
            {
                final int verdict;
                try
                {
                    verdict = stage.admit(frame, length, chain);
                }
                catch (final RuntimeException ex)
                {
                    failDropping(in, ex, frames, i); // the frame and the rest of the batch never entered the switch
                    break;
                }
                if (verdict != IngressStage.PASS)
                {
                    // Held: counted when the port hands it back. Refused by the port's own policy (spoofed,
                    // oversize, over rate): counted once, as that drop, never as received.
                    received--;
                    if (verdict != IngressStage.HELD)
                    {
                        drop(in, frame, DropReason.of(verdict));
                    }
                    continue;
                }
            }
            bytes += length;
            pool.ingressPort(frame, in.index);
            pool.timestampNs(frame, nowNs);
            if (inTaps != null)
            {
                CapturePoint.offer(inTaps, buffer, pool.offset(frame), length, nowNs, FrameFilter.NO_TAG);
            }

            final int vid = in.policy.ingress(pool, frame, chain);
            if (vid == VlanPolicy.DENY)
            {
                drop(in, frame, DropReason.VLAN_MISMATCH);
                continue;
            }
            final int offset = pool.offset(frame);
            if (allTaps != null)
            {
                // The whole switch is captured as a trunk would carry it: frames outside VLAN 1 show their tag.
                CapturePoint.offer(allTaps, buffer, offset, pool.length(frame), nowNs,
                    vid == VlanId.DEFAULT ? FrameFilter.NO_TAG : pool.vlanTci(frame));
            }
            final long source = MacAddress.read(buffer, offset + 6);
            if (!MacAddress.isValidUnicast(source))
            {
                drop(in, frame, DropReason.INVALID_SOURCE);
                continue;
            }
            fdb.learn(vid, source, in.index, nowMs);

            final long destination = MacAddress.read(buffer, offset);
            if (MacAddress.isMulticast(destination))
            {
                if (MacAddress.isBridgeReserved(destination))
                {
                    drop(in, frame, DropReason.RESERVED_MULTICAST); // a guest's BPDU or LACPDU stays with it
                    continue;
                }
                flood(in, frame, vid);
                continue;
            }
            final int out = fdb.lookup(vid, destination, nowMs);
            if (out == MacTable.NO_PORT)
            {
                flood(in, frame, vid);
            }
            else if (out == in.index)
            {
                drop(in, frame, DropReason.FILTERED);
            }
            else
            {
                emit(portsByIndex[out], frame, vid);
            }
        }
        in.counters.addReceived(received, bytes);
    }

    private void flood(final SwitchPort in, final int frame, final int vid)
    {
        counters.increment(FLOODED);
        final SwitchPort[] members = floodLists[vid];
        int remaining = members.length;
        for (final SwitchPort member : members)
        {
            if (member == in)
            {
                remaining--;
            }
        }
        if (remaining == 0)
        {
            drop(in, frame, DropReason.FILTERED);
            return;
        }
        counters.add(FLOOD_COPIES, remaining - 1);
        for (final SwitchPort out : members)
        {
            if (out == in)
            {
                continue;
            }
            if (--remaining == 0)
            {
                emit(out, frame, vid);
                return;
            }
            final int copy = pool.copy(frame);
            if (copy == FramePool.NO_FRAME)
            {
                out.counters.dropped(DropReason.NO_BUFFER);
            }
            else
            {
                emit(out, copy, vid);
            }
        }
    }

    private void emit(final SwitchPort out, final int frame, final int vid)
    {
        if (out.failed)
        {
            drop(out, frame, DropReason.PORT_FAILED);
            return;
        }
        final int egress = out.policy.egress(vid);
        if (egress == VlanPolicy.EGRESS_NOT_MEMBER)
        {
            drop(out, frame, DropReason.VLAN_NOT_MEMBER);
            return;
        }
        if (egress == VlanPolicy.EGRESS_TAGGED && !VlanTagger.push(pool, frame, pool.vlanTci(frame)))
        {
            drop(out, frame, DropReason.NO_BUFFER);
            return;
        }
        final FrameBatch output = out.output;
        if (!out.dirty)
        {
            out.dirty = true;
            dirty[dirtyCount++] = out;
        }
        output.add(frame);
        if (output.isFull())
        {
            flush(out);
        }
    }

    private void flushAll()
    {
        for (int i = 0; i < dirtyCount; i++)
        {
            final SwitchPort out = dirty[i];
            flush(out);
            out.dirty = false;
            dirty[i] = null;
        }
        dirtyCount = 0;
    }

    private void flush(final SwitchPort out)
    {
        final FrameBatch output = out.output;
        final int count = output.count();
        if (count == 0)
        {
            return;
        }
        long bytes = 0;
        final CaptureTap[] outTaps = out.captureOut.taps();
        for (int i = 0; i < count; i++)
        {
            final int frame = output.handle(i);
            final int length = pool.length(frame);
            bytes += length;
            if (outTaps != null)
            {
                CapturePoint.offer(outTaps, buffer, pool.offset(frame), length, pool.timestampNs(frame),
                    FrameFilter.NO_TAG);
            }
        }
        int accepted;
        DropReason reason = DropReason.QUEUE_FULL;
        try
        {
            accepted = out.port.transmit(output);
        }
        catch (final RuntimeException ex)
        {
            // A device that throws is taken to have taken nothing: the whole batch is freed here, once.
            fail(out, ex, count);
            accepted = 0;
            reason = DropReason.PORT_FAILED;
        }
        if (accepted < count)
        {
            for (int i = accepted; i < count; i++)
            {
                final int frame = output.handle(i);
                bytes -= pool.length(frame);
                pool.free(frame);
            }
            out.counters.addDropped(reason, count - accepted);
        }
        out.counters.addSent(accepted, bytes);
        output.clear();
    }

    /**
     * A port's device threw while frames from {@code from} on in the batch were in hand: take the port out of
     * service and free those frames, once, counted as {@code port-failed} on it.
     */
    private void failDropping(final SwitchPort port, final RuntimeException cause, final FrameBatch batch,
        final int from)
    {
        final int count = batch.count();
        fail(port, cause, count - from);
        for (int i = from; i < count; i++)
        {
            pool.free(batch.handle(i));
        }
        port.counters.addDropped(DropReason.PORT_FAILED, count - from);
    }

    /**
     * Take a port whose device threw out of service: the switch stops polling it and drops what it would hand it;
     * the control plane, which sees {@link SwitchPort#failed()}, detaches it. Logged once per port.
     */
    private void fail(final SwitchPort port, final RuntimeException cause, final int frames)
    {
        if (!port.failed)
        {
            port.markFailed();
            counters.increment(PORT_FAULTS);
            LOG.log(System.Logger.Level.ERROR, "switch " + name + ": port " + port.name + " failed and is out of " +
                "service (" + frames + " frames dropped)", cause);
        }
    }

    private void drop(final SwitchPort port, final int frame, final DropReason reason)
    {
        pool.free(frame);
        port.counters.dropped(reason);
    }

    private void install(final SwitchPort port)
    {
        port.port.wakeupBy(wakeup);
        port.attachOrder = attachCount++;
        portsByIndex[port.index] = port;
        final SwitchPort[] ports = new SwitchPort[active.length + 1];
        System.arraycopy(active, 0, ports, 0, active.length);
        ports[active.length] = port;
        active = ports;
        sortActive();
        floodListsStale = true;
    }

    private void sortActive()
    {
        final SwitchPort[] ports = active.clone();
        Arrays.sort(ports, PORT_ORDER);
        active = ports;
    }

    private void uninstall(final SwitchPort port)
    {
        if (port.dirty)
        {
            flushAll();
        }
        pool.freeAll(port.output);
        port.port.onDetach();
        fdb.removePort(port.index);
        portsByIndex[port.index] = null;
        final SwitchPort[] ports = new SwitchPort[active.length - 1];
        for (int i = 0, j = 0; i < active.length; i++)
        {
            if (active[i] != port)
            {
                ports[j++] = active[i];
            }
        }
        active = ports;
        floodListsStale = true;
        releasedIndices.add(port.index);
    }

    private void rebuildFloodLists()
    {
        final SwitchPort[] members = new SwitchPort[active.length];
        for (int vid = VlanId.MIN; vid <= VlanId.MAX; vid++)
        {
            int n = 0;
            for (final SwitchPort port : active)
            {
                if (port.policy.isMember(vid))
                {
                    members[n++] = port;
                }
            }
            floodLists[vid] = n == 0 ? NO_PORTS : Arrays.copyOf(members, n);
        }
        floodListsStale = false;
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
        return fdb.counters();
    }

    /**
     * @return the forwarding table itself; only the datapath thread (or a test driving {@code doWork()}) may use it.
     */
    public MacTable macTable()
    {
        return fdb;
    }

    /**
     * @return a clock that reads the time of the switch's current cycle: what stages inside the switch's ports
     * (shapers, timers) use, so that the clock is read once per cycle.
     */
    public NanoClock cycleClock()
    {
        return cycleClock;
    }

    /**
     * @return the current time in the forwarding table's milliseconds, as of the last cycle.
     */
    public long nowMs()
    {
        return nowMs;
    }
}
