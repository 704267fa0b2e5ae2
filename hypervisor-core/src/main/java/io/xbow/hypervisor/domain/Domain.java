package io.xbow.hypervisor.domain;

import io.xbow.hypervisor.config.XlConfig;
import io.xbow.hypervisor.guest.Guest;
import io.xbow.hypervisor.guest.GuestRunner;
import io.xbow.hypervisor.guest.GuestThread;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.UUID;

/**
 * A domain: its id (0 is the host), name, UUID, the config it was created from, its state and its vifs by devid.
 */
public final class Domain
{
    private final int id;
    private final String name;
    private final UUID uuid;
    private final XlConfig config;
    private final long createdNanos;
    private final TreeMap<Integer, Vif> vifs = new TreeMap<>();
    private volatile DomainState state;
    private Guest guest;
    private GuestRunner runner;
    private GuestThread guestThread;

    Domain(final int id, final String name, final UUID uuid, final XlConfig config, final long createdNanos,
        final DomainState state)
    {
        this.id = id;
        this.name = name;
        this.uuid = uuid;
        this.config = config;
        this.createdNanos = createdNanos;
        this.state = state;
    }

    public int id()
    {
        return id;
    }

    public String name()
    {
        return name;
    }

    public UUID uuid()
    {
        return uuid;
    }

    /**
     * @return the configuration it was created from; null for the host (domain 0).
     */
    public XlConfig config()
    {
        return config;
    }

    /**
     * @return what runs behind its frontends; null for the host.
     */
    public Guest guest()
    {
        return guest;
    }

    void guest(final Guest guest)
    {
        this.guest = guest;
    }

    /**
     * @return the thread that runs this domain's guest alone, or null when it shares the hypervisor's.
     */
    GuestRunner runner()
    {
        return runner;
    }

    void runner(final GuestRunner runner)
    {
        this.runner = runner;
    }

    /**
     * @return where this domain's guest runs, when not on the hypervisor's shared runner: its own runner, or the
     *         datapath thread; null otherwise.
     */
    GuestThread guestThread()
    {
        return guestThread;
    }

    void guestThread(final GuestThread thread)
    {
        this.guestThread = thread;
    }

    public DomainState state()
    {
        return state;
    }

    void state(final DomainState state)
    {
        this.state = state;
    }

    public int memoryMb()
    {
        return config == null ? 0 : config.memoryMb();
    }

    public int vcpus()
    {
        return config == null ? 1 : config.vcpus();
    }

    /**
     * @param nowNanos the hypervisor clock's now.
     * @return seconds since the domain was created.
     */
    public double uptimeSeconds(final long nowNanos)
    {
        return (nowNanos - createdNanos) / 1e9;
    }

    public synchronized List<Vif> vifs()
    {
        return new ArrayList<>(vifs.values());
    }

    synchronized Vif vif(final int devid)
    {
        return vifs.get(devid);
    }

    synchronized void addVif(final Vif vif)
    {
        vifs.put(vif.devid(), vif);
    }

    synchronized Vif removeVif(final int devid)
    {
        return vifs.remove(devid);
    }

    /**
     * @return the devid for a new vif: one past the highest, as libxl picks it.
     */
    synchronized int nextDevid()
    {
        return vifs.isEmpty() ? 0 : vifs.lastKey() + 1;
    }
}
