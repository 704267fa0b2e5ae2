package io.xbow.vnic;

import io.xbow.packet.address.MacAddress;
import io.xbow.packet.frame.FramePool;
import io.xbow.vlan.VlanId;
import io.xbow.vlan.VlanPolicy;
import io.xbow.vlan.VlanSet;
import io.xbow.vnic.datapath.VnicPolicy;
import io.xbow.vnic.datapath.VnicPort;
import io.xbow.vnic.link.Etherstub;
import io.xbow.vnic.link.Link;
import io.xbow.vnic.link.LinkName;
import io.xbow.vnic.link.PhysicalLink;
import io.xbow.vnic.link.PhysicalLinkSpec;
import io.xbow.vnic.link.PortLink;
import io.xbow.vnic.link.SwitchLink;
import io.xbow.vnic.link.VlanLink;
import io.xbow.vnic.link.Vnic;
import io.xbow.vnic.mac.MacSpec;
import io.xbow.vnic.mac.MacType;
import io.xbow.vnic.prop.LinkProperty;
import io.xbow.vnic.prop.PropertyInfo;
import io.xbow.vnic.uplink.HostLink;
import io.xbow.vnic.uplink.HostLinks;
import io.xbow.vswitch.SwitchPort;
import io.xbow.vswitch.VirtualSwitch;
import io.xbow.vswitch.capture.CaptureLink;
import io.xbow.vswitch.capture.CaptureRegistry;
import io.xbow.vswitch.port.PluggableDevice;
import io.xbow.vswitch.port.PortDevice;
import io.xbow.vswitch.thread.Datapath;
import org.agrona.concurrent.NanoClock;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * The Crossbow link model: physical links, etherstubs, VNICs and VLAN links, their MAC addresses, VLAN ids and
 * properties. This is the Java API that {@code dladm} drives; every method is thread-safe, checks everything
 * before it changes anything, and refuses bad requests with a {@link LinkException} or an
 * {@link IllegalArgumentException} whose message says what is allowed.
 * <p>
 * Every physical link and etherstub owns a {@link VirtualSwitch} (with its own frame pool) that runs on the
 * registry's {@link Datapath}; a VNIC or VLAN link is a {@link VnicPort} on the switch of the link it is over,
 * an access port of its VLAN with a static forwarding entry for its MAC. Changes reach the datapath as commands
 * or as a new immutable {@link VnicPolicy}, so they apply live.
 */
public final class LinkRegistry implements AutoCloseable
{
    private final RegistryConfig config;
    private final Datapath datapath;
    private final NanoClock clock;
    private final MacAllocator macs;
    private final HostLinks hostLinks;
    private final LinkProperties properties = new LinkProperties(this::portLinksOver);
    private final Map<String, Link> links = new LinkedHashMap<>();
    private final List<Consumer<String>> linkDownListeners = new CopyOnWriteArrayList<>();
    /** Links another part of xbow manages (a domain's vif VNICs): dladm may look, not change or delete them. */
    private final Map<String, String> owners = new java.util.HashMap<>();
    private final CaptureRegistry captures = new CaptureRegistry();

    /**
     * @param config   how to build switches.
     * @param datapath where the switches run.
     * @param clock    the switches' clock.
     */
    public LinkRegistry(final RegistryConfig config, final Datapath datapath, final NanoClock clock)
    {
        this(config, datapath, clock, new SplittableRandom(new SecureRandom().nextLong()));
    }

    /**
     * @param config   how to build switches.
     * @param datapath where the switches run.
     * @param clock    the switches' clock.
     * @param random   source of random MAC addresses.
     */
    public LinkRegistry(
        final RegistryConfig config, final Datapath datapath, final NanoClock clock, final SplittableRandom random)
    {
        this(config, datapath, clock, random, HostLinks.NONE);
    }

    /**
     * @param config    how to build switches.
     * @param datapath  where the switches run.
     * @param clock     the switches' clock.
     * @param random    source of random MAC addresses.
     * @param hostLinks the host's interfaces, which become physical links when named.
     */
    public LinkRegistry(final RegistryConfig config, final Datapath datapath, final NanoClock clock,
        final SplittableRandom random, final HostLinks hostLinks)
    {
        this.hostLinks = hostLinks;
        this.config = config;
        this.datapath = datapath;
        this.clock = clock;
        this.macs = new MacAllocator(random, this::portLinksOver);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Physical links and etherstubs
    // ---------------------------------------------------------------------------------------------------------

    /**
     * Create a physical link over a host device; its switch carries every VLAN to the device tagged, VLAN 1
     * untagged.
     *
     * @param name      link name.
     * @param device    the host side: a TAP device, a packet socket, or an in-memory device in tests.
     * @param spec      MTU, speed, MAC addresses.
     * @param temporary true for {@code -t}: not persisted.
     * @return the link.
     */
    public synchronized PhysicalLink createPhys(
        final String name, final PortDevice device, final PhysicalLinkSpec spec, final boolean temporary)
    {
        checkNewName(name);
        final VirtualSwitch sw = newSwitch(name);
        final SwitchPort uplink = sw.attach(name, device, VlanPolicy.trunk(VlanSet.ALL, VlanId.DEFAULT));
        final PhysicalLink link = new PhysicalLink(name, temporary, sw, uplink, spec.mtu(), spec.speedMbps(),
            spec.primaryMac(), spec.factoryMacs());
        datapath.add(sw);
        add(link);
        return link;
    }

    /**
     * @param name      etherstub name.
     * @param temporary true for {@code -t}: not persisted.
     * @return the etherstub.
     */
    public synchronized Etherstub createEtherstub(final String name, final boolean temporary)
    {
        checkNewName(name);
        final VirtualSwitch sw = newSwitch(name);
        final Etherstub stub = new Etherstub(name, temporary, sw);
        datapath.add(sw);
        add(stub);
        return stub;
    }

    private void add(final Link link)
    {
        links.put(link.name(), link);
        captures.register(link.name(), captureLinkOf(link));
    }

    private static CaptureLink captureLinkOf(final Link link)
    {
        if (link instanceof PhysicalLink)
        {
            final SwitchPort uplink = ((PhysicalLink)link).uplink();
            return CaptureLink.port(uplink.captureIn(), uplink.captureOut());
        }
        if (link instanceof SwitchLink)
        {
            return CaptureLink.wholeSwitch(((SwitchLink)link).switchOf().capturePoint());
        }
        final SwitchPort port = ((PortLink)link).switchPort();
        return CaptureLink.port(port.captureIn(), port.captureOut());
    }

    /**
     * @return every capturable link: these links under their names, and what other parts of xbow register (vifs).
     */
    public CaptureRegistry captures()
    {
        return captures;
    }

    private VirtualSwitch newSwitch(final String name)
    {
        final FramePool pool = new FramePool(config.framesPerSwitch(), RegistryConfig.MAX_FRAME_LENGTH,
            RegistryConfig.SUPER_FRAMES);
        final VirtualSwitch sw = new VirtualSwitch(name, pool, config.switchConfig(), clock);
        // The datapath must not wait for the registry's lock: the news goes to a control thread.
        sw.onPortFailed(port -> CompletableFuture.runAsync(() -> portFailed(sw, port)));
        return sw;
    }

    /**
     * @param listener told, on a control thread and outside the registry's lock, the name of each link that went
     *                 down because a device under it failed: a host interface deleted under xbow takes down its
     *                 physical link and every link over it.
     */
    public void onLinkDown(final Consumer<String> listener)
    {
        linkDownListeners.add(listener);
    }

    private void portFailed(final VirtualSwitch sw, final SwitchPort port)
    {
        final List<String> down = new ArrayList<>();
        synchronized (this)
        {
            final boolean uplink = links.values().stream()
                .anyMatch(link -> link instanceof PhysicalLink && ((PhysicalLink)link).uplink() == port);
            for (final Link link : links.values())
            {
                final boolean itsOwn = link instanceof PhysicalLink && ((PhysicalLink)link).uplink() == port ||
                    link instanceof PortLink && ((PortLink)link).switchPort() == port;
                if (itsOwn)
                {
                    captures.linkDown(link.name()); // its device is gone: so are the frames a capture waits for
                }
                if (itsOwn || uplink && link instanceof PortLink && ((PortLink)link).overLink().switchOf() == sw)
                {
                    down.add(link.name());
                }
            }
        }
        for (final String name : down)
        {
            for (final Consumer<String> listener : linkDownListeners)
            {
                listener.accept(name);
            }
        }
    }

    /**
     * Delete an etherstub; refused while VNICs are over it.
     *
     * @param name etherstub name.
     */
    public synchronized void deleteEtherstub(final String name)
    {
        deleteSwitchLink(find(name, Etherstub.class, "an etherstub"));
    }

    /**
     * Delete a physical link; refused while VNICs or VLAN links are over it.
     *
     * @param name link name.
     */
    public synchronized void deletePhys(final String name)
    {
        deleteSwitchLink(find(name, PhysicalLink.class, "a physical link"));
    }

    private void deleteSwitchLink(final SwitchLink link)
    {
        final List<String> over = portLinksOver(link).stream().map(Link::name).collect(Collectors.toList());
        if (!over.isEmpty())
        {
            throw new LinkException("link busy: " + String.join(", ", over) + (over.size() == 1 ? " is" : " are") +
                " over " + link.name() + "; delete " + (over.size() == 1 ? "it" : "them") + " first");
        }
        captures.unregister(link.name());
        datapath.remove(link.switchOf());
        links.remove(link.name());
    }

    // ---------------------------------------------------------------------------------------------------------
    // VNICs and VLAN links
    // ---------------------------------------------------------------------------------------------------------

    /**
     * Create a VNIC.
     *
     * @param name       VNIC name.
     * @param over       a physical link or an etherstub.
     * @param macSpec    how to choose its MAC.
     * @param vid        its VLAN id (2 to 4094), or 0 for none.
     * @param properties properties to set, by dladm name; all valid or nothing is created.
     * @param temporary  true for {@code -t}: not persisted.
     * @return the VNIC.
     */
    public synchronized Vnic createVnic(
        final String name,
        final String over,
        final MacSpec macSpec,
        final int vid,
        final Map<String, String> properties,
        final boolean temporary)
    {
        checkNewName(name);
        final SwitchLink under = switchLink(over, "create a VNIC");
        checkVid(under, vid);
        final PortSettings settings = PortSettings.defaults(under).with(name, properties);
        final String zone = properties.get(LinkProperty.ZONE.label());
        LinkProperties.checkZone(zone);
        final MacAllocator.Chosen chosen = macs.choose(under, macSpec, null);
        useUplink(under);

        final VirtualSwitch sw = under.switchOf();
        final VnicPort port = new VnicPort(sw.pool(), sw.cycleClock(), settings.policy(chosen.mac(), under),
            config.switchConfig().batchSize(), config.shapingQueueFrames());
        final int switchVid = vid == 0 ? VlanId.DEFAULT : vid;
        final SwitchPort switchPort;
        try
        {
            switchPort = sw.attach(name, port, VlanPolicy.access(switchVid));
        }
        catch (final RuntimeException ex)
        {
            releaseUplink(under);
            throw ex;
        }
        sw.addStaticMac(switchVid, chosen.mac(), switchPort);
        sw.priority(switchPort, settings.priority().servingOrder());
        final Vnic vnic = new Vnic(name, temporary, under, port, switchPort, chosen.mac(), chosen.type(), vid);
        settings.applyTo(vnic);
        if (chosen.type().kind() == MacType.Kind.FACTORY)
        {
            ((PhysicalLink)under).factoryClient(chosen.type().slot(), name);
        }
        add(vnic);
        if (zone != null)
        {
            try
            {
                final HostLinks.Uplink host = hostLinks.hostInterface(name, chosen.mac(), vnic.mtu());
                vnic.hostInterface(host);
                plug(name, host.device());
            }
            catch (final RuntimeException ex)
            {
                deletePortLink(vnic); // all or nothing: no VNIC without the interface it was asked to be
                throw ex;
            }
        }
        return vnic;
    }

    /**
     * Change a VNIC's MAC address and/or VLAN id (Solaris 11 {@code modify-vnic}); learned addresses on it are
     * forgotten, everything else stays.
     *
     * @param name    VNIC name.
     * @param macSpec the new MAC, or null to keep it.
     * @param vid     the new VLAN id (0 for none), or null to keep it.
     */
    public synchronized void modifyVnic(final String name, final MacSpec macSpec, final Integer vid)
    {
        checkNotOwned(name, "modify");
        final Vnic vnic = find(name, Vnic.class, "a VNIC");
        final SwitchLink under = vnic.overLink();
        final int newVid = vid == null ? vnic.vid() : vid;
        checkVid(under, newVid);
        final MacAllocator.Chosen chosen = macSpec == null ? new MacAllocator.Chosen(vnic.mac(), vnic.macType()) :
            macs.choose(under, macSpec, vnic);
        final VirtualSwitch sw = under.switchOf();
        final int oldSwitchVid = vnic.vid() == 0 ? VlanId.DEFAULT : vnic.vid();
        final int newSwitchVid = newVid == 0 ? VlanId.DEFAULT : newVid;
        sw.removeStaticMac(oldSwitchVid, vnic.mac());
        if (newSwitchVid != oldSwitchVid)
        {
            sw.policy(vnic.switchPort(), VlanPolicy.access(newSwitchVid));
        }
        sw.addStaticMac(newSwitchVid, chosen.mac(), vnic.switchPort());
        vnic.vnicPort().policy(vnic.vnicPort().policy().withMac(chosen.mac()));
        if (vnic.macType().kind() == MacType.Kind.FACTORY && !chosen.type().equals(vnic.macType()))
        {
            ((PhysicalLink)under).factoryClient(vnic.macType().slot(), null);
        }
        if (chosen.type().kind() == MacType.Kind.FACTORY)
        {
            ((PhysicalLink)under).factoryClient(chosen.type().slot(), name);
        }
        vnic.address(chosen.mac(), chosen.type(), newVid);
    }

    /**
     * @param name VNIC name.
     */
    public synchronized void deleteVnic(final String name)
    {
        checkNotOwned(name, "delete");
        final Vnic vnic = find(name, Vnic.class, "a VNIC");
        if (vnic.macType().kind() == MacType.Kind.FACTORY)
        {
            ((PhysicalLink)vnic.overLink()).factoryClient(vnic.macType().slot(), null);
        }
        deletePortLink(vnic);
    }

    /**
     * Mark a link as managed by its owner: {@link #deleteVnic}, {@link #modifyVnic} and {@link #rename} refuse it
     * until the owner deletes it with {@link #deleteOwnedVnic}.
     *
     * @param name  the link.
     * @param owner who manages it, for the error message (for example {@code domain web (vif1.0)}).
     */
    public synchronized void own(final String name, final String owner)
    {
        link(name);
        owners.put(name, owner);
    }

    /**
     * Give a link {@link #own} marked back to dladm (its owner let go of it without deleting it).
     *
     * @param name the link.
     */
    public synchronized void disown(final String name)
    {
        owners.remove(name);
    }

    /**
     * Delete a VNIC that {@link #own} marked, as its owner.
     *
     * @param name VNIC name.
     */
    public synchronized void deleteOwnedVnic(final String name)
    {
        owners.remove(name);
        deleteVnic(name);
    }

    private void checkNotOwned(final String name, final String what)
    {
        final String owner = owners.get(name);
        if (owner != null)
        {
            throw new LinkException("cannot " + what + " " + name + ": it belongs to " + owner);
        }
    }

    /**
     * Create a VLAN link: the frames of one VLAN of a physical link, with the link's own MAC.
     *
     * @param over      a physical link.
     * @param vid       VLAN id, 2 to 4094; one VLAN link per id per physical link.
     * @param name      the name, or null for dladm's {@code <driver><1000 * vid + ppa>} ({@code net0}, VLAN 2:
     *                  {@code net2000}).
     * @param temporary true for {@code -t}: not persisted.
     * @return the VLAN link.
     */
    public synchronized VlanLink createVlan(final String over, final int vid, final String name, final boolean temporary)
    {
        final Link under = link(over);
        if (!(under instanceof PhysicalLink))
        {
            throw new LinkException("cannot create a VLAN over " + over + ": it is " + under.linkClass().article() +
                ", not a physical link");
        }
        final PhysicalLink phys = (PhysicalLink)under;
        checkVid(phys, vid);
        if (vid == 0)
        {
            throw new IllegalArgumentException("a VLAN link needs a VLAN id (-v)");
        }
        for (final PortLink link : portLinksOver(phys))
        {
            if (link instanceof VlanLink && link.vid() == vid)
            {
                throw new LinkException("VLAN " + vid + " over " + over + " already exists: " + link.name());
            }
        }
        final String vlanName = name != null ? name : vlanLinkName(over, vid);
        checkNewName(vlanName);
        useUplink(phys);
        final VirtualSwitch sw = phys.switchOf();
        final VnicPort port = new VnicPort(sw.pool(), sw.cycleClock(), VnicPolicy.open(phys.primaryMac(), phys.mtu()),
            config.switchConfig().batchSize(), config.shapingQueueFrames());
        final SwitchPort switchPort = sw.attach(vlanName, port, VlanPolicy.access(vid));
        sw.addStaticMac(vid, phys.primaryMac(), switchPort);
        final VlanLink vlan = new VlanLink(vlanName, temporary, phys, port, switchPort, vid);
        add(vlan);
        return vlan;
    }

    /**
     * @param name VLAN link name.
     */
    public synchronized void deleteVlan(final String name)
    {
        deletePortLink(find(name, VlanLink.class, "a VLAN link"));
    }

    private void deletePortLink(final PortLink link)
    {
        captures.unregister(link.name());
        final HostLinks.Uplink host = link.hostInterface();
        link.hostInterface(null);
        link.overLink().switchOf().detach(link.switchPort()).whenComplete((done, failed) ->
        {
            if (host != null)
            {
                host.close(); // the switch let go of the port: nothing reads the TAP any more
            }
        });
        links.remove(link.name());
        releaseUplink(link.overLink());
    }

    /**
     * Plug a guest's device into a VNIC or VLAN link, or unplug it with null.
     *
     * @param name   link name.
     * @param device the guest side (a netback, an in-memory device), or null.
     */
    public synchronized void plug(final String name, final PortDevice device)
    {
        final Link link = link(name);
        if (!(link instanceof PortLink))
        {
            throw new LinkException("cannot plug a device into " + name + ": it is " + link.linkClass().article());
        }
        // Through the switch's command queue, so that the device never starts before the ports attached before it.
        final PortLink portLink = (PortLink)link;
        portLink.overLink().switchOf().run(() -> portLink.vnicPort().device(device));
    }

    // ---------------------------------------------------------------------------------------------------------
    // Any link
    // ---------------------------------------------------------------------------------------------------------

    /**
     * Rename a link; everything attached to it stays attached.
     *
     * @param oldName current name.
     * @param newName new name.
     */
    public synchronized void rename(final String oldName, final String newName)
    {
        checkNotOwned(oldName, "rename");
        final Link link = link(oldName);
        if (link instanceof PhysicalLink && ((PhysicalLink)link).isHostInterface())
        {
            throw new LinkException("cannot rename " + oldName + ": a physical link is named for its host interface " +
                "(rename the interface on the host: ip link set dev " + oldName + " name NEWNAME)");
        }
        checkNewName(newName);
        if (link instanceof SwitchLink)
        {
            ((SwitchLink)link).switchOf().rename(newName);
            if (link instanceof PhysicalLink)
            {
                final PhysicalLink phys = (PhysicalLink)link;
                phys.switchOf().rename(phys.uplink(), newName);
            }
        }
        else
        {
            final PortLink portLink = (PortLink)link;
            if (portLink.hostInterface() != null)
            {
                portLink.hostInterface().rename(newName); // first: the host may refuse the name
            }
            portLink.overLink().switchOf().rename(portLink.switchPort(), newName);
            if (link instanceof Vnic && ((Vnic)link).macType().kind() == MacType.Kind.FACTORY)
            {
                ((PhysicalLink)portLink.overLink()).factoryClient(((Vnic)link).macType().slot(), newName);
            }
        }
        // Keep the link's place: show-link lists in creation order, as the configuration re-creates them.
        final Map<String, Link> renamed = new LinkedHashMap<>();
        for (final Map.Entry<String, Link> entry : links.entrySet())
        {
            renamed.put(entry.getKey().equals(oldName) ? newName : entry.getKey(), entry.getValue());
        }
        links.clear();
        links.putAll(renamed);
        link.rename(newName);
        captures.rename(oldName, newName);
    }

    /**
     * @param name a link name.
     * @return the link.
     * @throws LinkException if there is none.
     */
    public synchronized Link link(final String name)
    {
        Link link = links.get(name);
        if (link == null)
        {
            link = adoptHostInterface(name);
        }
        if (link == null)
        {
            throw LinkException.notFound("link " + name + " not found");
        }
        return link;
    }

    /**
     * @return the host's interfaces, physical links whether or not anything was created over them yet.
     */
    public HostLinks hostLinks()
    {
        return hostLinks;
    }

    /**
     * A host interface named for the first time becomes a physical link: a switch whose uplink port waits for the
     * interface, which is opened when the first VNIC or VLAN link goes over it ({@link #useUplink}).
     */
    private PhysicalLink adoptHostInterface(final String name)
    {
        final HostLink host = hostLinks.find(name);
        if (host == null || !MacAddress.isValidUnicast(host.mac()))
        {
            return null;
        }
        final VirtualSwitch sw = newSwitch(name);
        final PluggableDevice device = new PluggableDevice();
        final SwitchPort uplink = sw.attach(name, device, VlanPolicy.trunk(VlanSet.ALL, VlanId.DEFAULT));
        final int mtu = Math.max(LinkProperties.MIN_MTU, Math.min(LinkProperties.MAX_MTU, host.mtu()));
        final PhysicalLink link = new PhysicalLink(name, false, sw, uplink, mtu, host.speedMbps(), host.mac(),
            new long[0], device);
        datapath.add(sw);
        add(link);
        return link;
    }

    /** Open a host interface's uplink when the first link goes over it. */
    private void useUplink(final SwitchLink under)
    {
        if (under instanceof PhysicalLink && ((PhysicalLink)under).isHostInterface() &&
            ((PhysicalLink)under).opened() == null)
        {
            final PhysicalLink phys = (PhysicalLink)under;
            final HostLinks.Uplink uplink = hostLinks.open(phys.name());
            phys.opened(uplink);
            phys.switchOf().run(() -> phys.hostDevice().plug(uplink.device()));
        }
    }

    /** Close a host interface's uplink when the last link over it goes. */
    private void releaseUplink(final SwitchLink under)
    {
        if (under instanceof PhysicalLink && ((PhysicalLink)under).opened() != null && portLinksOver(under).isEmpty())
        {
            final PhysicalLink phys = (PhysicalLink)under;
            final HostLinks.Uplink uplink = phys.opened();
            phys.opened(null);
            phys.switchOf().run(() -> phys.hostDevice().plug(null)).whenComplete((done, failed) -> uplink.close());
        }
    }

    /**
     * @return every link, in creation order.
     */
    public synchronized List<Link> links()
    {
        return new ArrayList<>(links.values());
    }

    /**
     * @param name a switch link's name, or null for all.
     * @return the VNICs over it.
     */
    public synchronized List<Vnic> vnics(final String name)
    {
        final List<Vnic> vnics = new ArrayList<>();
        for (final Link link : links.values())
        {
            if (link instanceof Vnic && (name == null || ((Vnic)link).over().equals(name)))
            {
                vnics.add((Vnic)link);
            }
        }
        return vnics;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Properties and statistics
    // ---------------------------------------------------------------------------------------------------------

    /**
     * Set properties, all or none: if one value is invalid nothing changes.
     *
     * @param name       link name.
     * @param properties values by dladm property name.
     */
    public synchronized void setProperties(final String name, final Map<String, String> properties)
    {
        final Link link = link(name);
        this.properties.check(link, properties);
        final boolean toHost = properties.containsKey(LinkProperty.ZONE.label());
        if (toHost)
        {
            checkNotOwned(name, "set the zone of");
        }
        final PortLink portLink = link instanceof PortLink ? (PortLink)link : null;
        HostLinks.Uplink opened = null;
        if (toHost && portLink.hostInterface() == null)
        {
            if (portLink.vnicPort().isPlugged())
            {
                throw new LinkException("cannot set the zone of " + name + ": a device is plugged into it");
            }
            opened = hostLinks.hostInterface(name, portLink.mac(), portLink.mtu());
        }
        final Map<String, String> rest = new java.util.LinkedHashMap<>(properties);
        rest.remove(LinkProperty.ZONE.label());
        try
        {
            this.properties.set(link, rest);
        }
        catch (final RuntimeException ex)
        {
            if (opened != null)
            {
                opened.close();
            }
            throw ex;
        }
        if (opened != null)
        {
            portLink.hostInterface(opened);
            plug(name, opened.device());
        }
    }

    /** The link is no longer an interface of the host: its TAP goes (after the switch lets go of it). */
    private void leaveHost(final PortLink link)
    {
        final HostLinks.Uplink host = link.hostInterface();
        if (host != null)
        {
            link.hostInterface(null);
            link.overLink().switchOf().run(() -> link.vnicPort().device(null)).whenComplete((done, failed) ->
                host.close());
        }
    }

    /**
     * Reset properties to their defaults.
     *
     * @param name       link name.
     * @param properties dladm property names; empty for every property that can be set.
     */
    public synchronized void resetProperties(final String name, final Collection<String> properties)
    {
        final Link link = link(name);
        final List<String> rest = new ArrayList<>(properties);
        final boolean zone = rest.remove(LinkProperty.ZONE.label());
        if (zone)
        {
            this.properties.show(link, List.of(LinkProperty.ZONE.label())); // refused where it does not apply
        }
        if (properties.isEmpty() || !rest.isEmpty())
        {
            this.properties.reset(link, rest);
        }
        if ((zone || properties.isEmpty()) && link instanceof PortLink)
        {
            leaveHost((PortLink)link);
        }
    }

    /**
     * @param name       link name.
     * @param properties dladm property names; empty for all that apply to the link.
     * @return one row per property, as show-linkprop prints them.
     */
    public synchronized List<PropertyInfo> showProperties(final String name, final Collection<String> properties)
    {
        return this.properties.show(link(name), properties);
    }

    /**
     * @param name link name.
     * @return a snapshot of its counters.
     */
    public synchronized LinkStats stats(final String name)
    {
        return LinkStatistics.of(link(name));
    }

    // ---------------------------------------------------------------------------------------------------------
    // Checks
    // ---------------------------------------------------------------------------------------------------------

    private void checkNewName(final String name)
    {
        LinkName.validate(name);
        if (links.containsKey(name))
        {
            throw new LinkException("object already exists: link " + name);
        }
        if (hostLinks.find(name) != null)
        {
            // Every host interface is a physical link by its name, whether or not it was used yet.
            throw new LinkException("object already exists: link " + name + " (an interface of the host)");
        }
    }

    private SwitchLink switchLink(final String name, final String what)
    {
        final Link link = link(name);
        if (!(link instanceof SwitchLink))
        {
            throw new LinkException("cannot " + what + " over " + name + ": it is " + link.linkClass().article() +
                ", not a physical link or an etherstub");
        }
        return (SwitchLink)link;
    }

    private <T extends Link> T find(final String name, final Class<T> type, final String what)
    {
        final Link link = link(name);
        if (!type.isInstance(link))
        {
            throw new LinkException(name + " is " + link.linkClass().article() + ", not " + what);
        }
        return type.cast(link);
    }

    private static void checkVid(final SwitchLink under, final int vid)
    {
        if (vid == 0)
        {
            return;
        }
        VlanId.validate(vid);
        if (vid == VlanId.DEFAULT)
        {
            throw new IllegalArgumentException("invalid VLAN id 1 over " + under.name() +
                ": may not use default_tag ID (VLAN 1 is the link's untagged VLAN; omit -v for it)");
        }
    }

    private List<PortLink> portLinksOver(final SwitchLink link)
    {
        final List<PortLink> over = new ArrayList<>();
        for (final Link candidate : links.values())
        {
            if (candidate instanceof PortLink && ((PortLink)candidate).overLink() == link)
            {
                over.add((PortLink)candidate);
            }
        }
        return over;
    }

    private String vlanLinkName(final String over, final int vid)
    {
        final int ppaStart = LinkName.ppaStart(over);
        final long ppa = Long.parseLong(over.substring(ppaStart));
        if (ppa >= 1000)
        {
            throw new IllegalArgumentException("cannot name a VLAN link over " + over +
                " automatically: its number is 1000 or more; give a name");
        }
        return over.substring(0, ppaStart) + (1000L * vid + ppa);
    }

    /**
     * Stop the datapath and every switch.
     */
    @Override
    public synchronized void close()
    {
        datapath.close();
        for (final Link link : links.values())
        {
            if (link instanceof PhysicalLink && ((PhysicalLink)link).opened() != null)
            {
                ((PhysicalLink)link).opened().close();
                ((PhysicalLink)link).opened(null);
            }
        }
    }
}
