package io.xbow.vnic;

import io.xbow.packet.DropReason;
import io.xbow.packet.address.MacAddress;
import io.xbow.packet.frame.FramePool;
import io.xbow.vlan.VlanId;
import io.xbow.vlan.VlanPolicy;
import io.xbow.vlan.VlanSet;
import io.xbow.vnic.datapath.VnicCounters;
import io.xbow.vnic.datapath.VnicPolicy;
import io.xbow.vnic.datapath.VnicPort;
import io.xbow.vswitch.thread.Datapath;
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
import io.xbow.vnic.prop.AllowedIps;
import io.xbow.vnic.prop.Bandwidth;
import io.xbow.vnic.prop.LinkProperty;
import io.xbow.vnic.prop.Priority;
import io.xbow.vnic.prop.PropertyInfo;
import io.xbow.vnic.prop.Protection;
import io.xbow.vswitch.SwitchPort;
import io.xbow.vswitch.VirtualSwitch;
import io.xbow.vswitch.capture.CaptureLink;
import io.xbow.vswitch.capture.CaptureRegistry;
import io.xbow.vswitch.port.PortDevice;
import io.xbow.vswitch.stats.PortCounters;
import org.agrona.concurrent.NanoClock;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
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
    private static final int MIN_MTU = 68;
    private static final int MAX_MTU = 9000;
    private static final int MAX_RANDOM_TRIES = 1000;
    private static final Set<DropReason> EGRESS_REASONS = EnumSet.of(DropReason.NO_BUFFER, DropReason.QUEUE_FULL,
        DropReason.VLAN_NOT_MEMBER);

    private final RegistryConfig config;
    private final Datapath datapath;
    private final NanoClock clock;
    private final SplittableRandom random;
    private final Map<String, Link> links = new LinkedHashMap<>();
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
        this.config = config;
        this.datapath = datapath;
        this.clock = clock;
        this.random = random;
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
        final FramePool pool = new FramePool(config.framesPerSwitch(), RegistryConfig.MAX_FRAME_LENGTH);
        return new VirtualSwitch(name, pool, config.switchConfig(), clock);
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
        final Settings settings = new Settings(under, 0, null, null, EnumSet.noneOf(Protection.class),
            AllowedIps.NONE).with(name, properties);
        final ChosenMac chosen = chooseMac(under, macSpec, null);

        final VirtualSwitch sw = under.switchOf();
        final VnicPort port = new VnicPort(sw.pool(), sw.cycleClock(), settings.policy(chosen.mac, under),
            config.switchConfig().batchSize(), config.shapingQueueFrames());
        final int switchVid = vid == 0 ? VlanId.DEFAULT : vid;
        final SwitchPort switchPort = sw.attach(name, port, VlanPolicy.access(switchVid));
        sw.addStaticMac(switchVid, chosen.mac, switchPort);
        sw.priority(switchPort, settings.priority().servingOrder());
        final Vnic vnic = new Vnic(name, temporary, under, port, switchPort, chosen.mac, chosen.type, vid);
        settings.applyTo(vnic);
        if (chosen.type.kind() == MacType.Kind.FACTORY)
        {
            ((PhysicalLink)under).factoryClient(chosen.type.slot(), name);
        }
        add(vnic);
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
        final ChosenMac chosen = macSpec == null ? new ChosenMac(vnic.mac(), vnic.macType()) :
            chooseMac(under, macSpec, vnic);
        final VirtualSwitch sw = under.switchOf();
        final int oldSwitchVid = vnic.vid() == 0 ? VlanId.DEFAULT : vnic.vid();
        final int newSwitchVid = newVid == 0 ? VlanId.DEFAULT : newVid;
        sw.removeStaticMac(oldSwitchVid, vnic.mac());
        if (newSwitchVid != oldSwitchVid)
        {
            sw.policy(vnic.switchPort(), VlanPolicy.access(newSwitchVid));
        }
        sw.addStaticMac(newSwitchVid, chosen.mac, vnic.switchPort());
        vnic.vnicPort().policy(vnic.vnicPort().policy().withMac(chosen.mac));
        if (vnic.macType().kind() == MacType.Kind.FACTORY && !chosen.type.equals(vnic.macType()))
        {
            ((PhysicalLink)under).factoryClient(vnic.macType().slot(), null);
        }
        if (chosen.type.kind() == MacType.Kind.FACTORY)
        {
            ((PhysicalLink)under).factoryClient(chosen.type.slot(), name);
        }
        vnic.address(chosen.mac, chosen.type, newVid);
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
            throw new LinkException("cannot create a VLAN over " + over + ": it is " + article(under) +
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
        link.overLink().switchOf().detach(link.switchPort());
        links.remove(link.name());
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
            throw new LinkException("cannot plug a device into " + name + ": it is " + article(link));
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
        final Link link = links.get(name);
        if (link == null)
        {
            throw LinkException.notFound("link " + name + " not found");
        }
        return link;
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
    // Properties
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
        for (final String property : properties.keySet())
        {
            checkSettable(link, property);
        }
        if (link instanceof PortLink)
        {
            final PortLink portLink = (PortLink)link;
            apply(portLink, Settings.of(portLink).with(name, properties));
        }
        else
        {
            final String mtu = properties.get(LinkProperty.MTU.label());
            if (mtu != null)
            {
                setSwitchLinkMtu((SwitchLink)link, parseMtu(mtu, MAX_MTU));
            }
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
        final List<LinkProperty> targets = new ArrayList<>();
        if (properties.isEmpty())
        {
            for (final LinkProperty property : LinkProperty.values())
            {
                if (property.isWritable() && appliesTo(property, link))
                {
                    targets.add(property);
                }
            }
        }
        else
        {
            for (final String property : properties)
            {
                targets.add(checkSettable(link, property));
            }
        }
        if (link instanceof SwitchLink)
        {
            final SwitchLink switchLink = (SwitchLink)link;
            setSwitchLinkMtu(switchLink, switchLink.defaultMtu());
            return;
        }
        final PortLink portLink = (PortLink)link;
        Settings settings = Settings.of(portLink);
        for (final LinkProperty property : targets)
        {
            settings = settings.reset(property);
        }
        apply(portLink, settings);
    }

    /**
     * @param name       link name.
     * @param properties dladm property names; empty for all that apply to the link.
     * @return one row per property, as show-linkprop prints them.
     */
    public synchronized List<PropertyInfo> showProperties(final String name, final Collection<String> properties)
    {
        final Link link = link(name);
        final List<PropertyInfo> rows = new ArrayList<>();
        if (properties.isEmpty())
        {
            for (final LinkProperty property : LinkProperty.values())
            {
                if (appliesTo(property, link))
                {
                    rows.add(info(link, property));
                }
            }
        }
        else
        {
            for (final String property : properties)
            {
                final LinkProperty known = LinkProperty.of(property);
                if (known == null || !appliesTo(known, link))
                {
                    throw unknownProperty(link, property);
                }
                rows.add(info(link, known));
            }
        }
        return rows;
    }

    private PropertyInfo info(final Link link, final LinkProperty property)
    {
        final String name = link.name();
        final String perm = property.perm();
        switch (property)
        {
            case MAXBW:
            {
                final long bps = ((PortLink)link).maxbwBps();
                return new PropertyInfo(name, property.label(), perm, bps == 0 ? "--" : Bandwidth.format(bps), "--",
                    "--");
            }
            case PRIORITY:
                return new PropertyInfo(name, property.label(), perm, ((PortLink)link).priority().label(),
                    Priority.DEFAULT.label(), Priority.POSSIBLE);
            case MTU:
            {
                final int max = link instanceof PortLink ? ((PortLink)link).overLink().mtu() : MAX_MTU;
                final int def = link instanceof PortLink ? ((PortLink)link).overLink().mtu() :
                    ((SwitchLink)link).defaultMtu();
                return new PropertyInfo(name, property.label(), perm, Integer.toString(link.mtu()),
                    Integer.toString(def), MIN_MTU + "-" + max);
            }
            case PROTECTION:
                return new PropertyInfo(name, property.label(), perm,
                    Protection.format(((PortLink)link).protection()), "--", Protection.POSSIBLE);
            case ALLOWED_IPS:
                return new PropertyInfo(name, property.label(), perm, ((PortLink)link).allowedIps().toString(), "--",
                    "--");
            case STATE:
                return new PropertyInfo(name, property.label(), perm, link.state(), "up", "up,down");
            case SPEED:
                return new PropertyInfo(name, property.label(), perm, Long.toString(link.speedMbps()), "--", "--");
            default:
                return new PropertyInfo(name, property.label(), perm, link.over(), "--", "--");
        }
    }

    private static boolean appliesTo(final LinkProperty property, final Link link)
    {
        if (link instanceof PortLink)
        {
            return true;
        }
        return property == LinkProperty.MTU || property == LinkProperty.STATE || property == LinkProperty.SPEED;
    }

    private LinkProperty checkSettable(final Link link, final String property)
    {
        final LinkProperty known = LinkProperty.of(property);
        if (known == null || !appliesTo(known, link))
        {
            throw unknownProperty(link, property);
        }
        if (!known.isWritable())
        {
            throw new LinkException("cannot set link property '" + property + "' on " + link.name() +
                ": it is read-only");
        }
        return known;
    }

    private static LinkException unknownProperty(final Link link, final String property)
    {
        final List<String> names = new ArrayList<>();
        for (final LinkProperty known : LinkProperty.values())
        {
            if (appliesTo(known, link))
            {
                names.add(known.label());
            }
        }
        return LinkException.notFound("link property '" + property + "' not found on " + link.name() + ": " +
            article(link) + " has " + String.join(", ", names));
    }

    private void apply(final PortLink link, final Settings settings)
    {
        final boolean priorityChanged = settings.priority() != link.priority();
        settings.applyTo(link);
        link.vnicPort().policy(settings.policy(link.mac(), link.overLink()));
        if (priorityChanged)
        {
            link.overLink().switchOf().priority(link.switchPort(), settings.priority().servingOrder());
        }
    }

    private void setSwitchLinkMtu(final SwitchLink link, final int mtu)
    {
        final List<String> larger = new ArrayList<>();
        for (final PortLink over : portLinksOver(link))
        {
            if (over.mtuSetting() != null && over.mtuSetting() > mtu)
            {
                larger.add(over.name() + " (" + over.mtuSetting() + ")");
            }
        }
        if (!larger.isEmpty())
        {
            throw new LinkException("cannot set mtu of " + link.name() + " to " + mtu + ": " +
                String.join(", ", larger) + " over it " + (larger.size() == 1 ? "has" : "have") + " a larger mtu");
        }
        link.mtu(mtu);
        for (final PortLink over : portLinksOver(link))
        {
            over.vnicPort().policy(over.vnicPort().policy().withMtu(over.mtu()));
        }
    }

    private static int parseMtu(final String text, final int max)
    {
        try
        {
            final int mtu = Integer.parseInt(text.trim());
            if (mtu >= MIN_MTU && mtu <= max)
            {
                return mtu;
            }
        }
        catch (final NumberFormatException | NullPointerException ignored)
        {
            // reported below
        }
        throw new IllegalArgumentException("invalid mtu '" + text + "': must be " + MIN_MTU + "-" + max);
    }

    /**
     * A port link's settable properties, immutable: parsed and checked in full before any is applied.
     */
    private record Settings(
        SwitchLink over, long maxbwBps, Priority prioritySetting, Integer mtu, Set<Protection> protection,
        AllowedIps allowedIps)
    {
        static Settings of(final PortLink link)
        {
            return new Settings(link.overLink(), link.maxbwBps(), link.prioritySetting(), link.mtuSetting(),
                link.protection(), link.allowedIps());
        }

        Settings with(final String linkName, final Map<String, String> values)
        {
            Settings s = this;
            for (final Map.Entry<String, String> entry : values.entrySet())
            {
                final LinkProperty property = LinkProperty.of(entry.getKey());
                if (property == null || !property.isWritable())
                {
                    throw LinkException.notFound("link property '" + entry.getKey() + "' not found or read-only on " +
                        linkName);
                }
                final String value = entry.getValue();
                switch (property)
                {
                    case MAXBW:
                        s = new Settings(over, Bandwidth.parse(value), s.prioritySetting, s.mtu, s.protection,
                            s.allowedIps);
                        break;
                    case PRIORITY:
                        s = new Settings(over, s.maxbwBps, Priority.parse(value), s.mtu, s.protection, s.allowedIps);
                        break;
                    case MTU:
                        s = new Settings(over, s.maxbwBps, s.prioritySetting, parseMtu(value, over.mtu()),
                            s.protection, s.allowedIps);
                        break;
                    case PROTECTION:
                        s = new Settings(over, s.maxbwBps, s.prioritySetting, s.mtu, Protection.parse(value),
                            s.allowedIps);
                        break;
                    default:
                        s = new Settings(over, s.maxbwBps, s.prioritySetting, s.mtu, s.protection,
                            AllowedIps.parse(value));
                }
            }
            return s;
        }

        Settings reset(final LinkProperty property)
        {
            switch (property)
            {
                case MAXBW: return new Settings(over, 0, prioritySetting, mtu, protection, allowedIps);
                case PRIORITY: return new Settings(over, maxbwBps, null, mtu, protection, allowedIps);
                case MTU: return new Settings(over, maxbwBps, prioritySetting, null, protection, allowedIps);
                case PROTECTION:
                    return new Settings(over, maxbwBps, prioritySetting, mtu, EnumSet.noneOf(Protection.class),
                        allowedIps);
                default: return new Settings(over, maxbwBps, prioritySetting, mtu, protection, AllowedIps.NONE);
            }
        }

        Priority priority()
        {
            return prioritySetting == null ? Priority.DEFAULT : prioritySetting;
        }

        VnicPolicy policy(final long mac, final SwitchLink under)
        {
            return new VnicPolicy(mac, protection, allowedIps, mtu == null ? under.mtu() : mtu, maxbwBps);
        }

        void applyTo(final PortLink link)
        {
            link.properties(maxbwBps, prioritySetting, mtu, protection, allowedIps);
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Statistics
    // ---------------------------------------------------------------------------------------------------------

    /**
     * @param name link name.
     * @return a snapshot of its counters.
     */
    public synchronized LinkStats stats(final String name)
    {
        final Link link = link(name);
        final Map<DropReason, Long> drops = new EnumMap<>(DropReason.class);
        if (link instanceof PortLink)
        {
            final VnicCounters vnic = ((PortLink)link).vnicPort().counters();
            final PortCounters port = ((PortLink)link).switchPort().counters();
            long ierrors = 0;
            long oerrors = 0;
            for (final DropReason reason : DropReason.values())
            {
                final long in = vnic.inboundDrops(reason) + (EGRESS_REASONS.contains(reason) ? port.drops(reason) : 0);
                final long out = vnic.outboundDrops(reason) + (EGRESS_REASONS.contains(reason) ? 0 : port.drops(reason));
                ierrors += in;
                oerrors += out;
                if (in + out > 0)
                {
                    drops.put(reason, in + out);
                }
            }
            // What the guest sent is what the switch took from the port; drops on the way count as errors.
            return new LinkStats(vnic.inFrames(), vnic.inBytes(), ierrors, port.rxFrames(), port.rxBytes(), oerrors,
                drops);
        }
        final List<PortCounters> ports = new ArrayList<>();
        if (link instanceof PhysicalLink)
        {
            ports.add(((PhysicalLink)link).uplink().counters());
        }
        else
        {
            for (final SwitchPort port : ((SwitchLink)link).switchOf().ports())
            {
                ports.add(port.counters());
            }
        }
        long ipackets = 0;
        long rbytes = 0;
        long opackets = 0;
        long obytes = 0;
        long ierrors = 0;
        long oerrors = 0;
        for (final PortCounters port : ports)
        {
            ipackets += port.rxFrames();
            rbytes += port.rxBytes();
            opackets += port.txFrames();
            obytes += port.txBytes();
            for (final DropReason reason : DropReason.values())
            {
                final long n = port.drops(reason);
                if (n > 0)
                {
                    drops.merge(reason, n, Long::sum);
                    if (EGRESS_REASONS.contains(reason))
                    {
                        oerrors += n;
                    }
                    else
                    {
                        ierrors += n;
                    }
                }
            }
        }
        return new LinkStats(ipackets, rbytes, ierrors, opackets, obytes, oerrors, drops);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Checks and MAC addresses
    // ---------------------------------------------------------------------------------------------------------

    private void checkNewName(final String name)
    {
        LinkName.validate(name);
        if (links.containsKey(name))
        {
            throw new LinkException("object already exists: link " + name);
        }
    }

    private SwitchLink switchLink(final String name, final String what)
    {
        final Link link = link(name);
        if (!(link instanceof SwitchLink))
        {
            throw new LinkException("cannot " + what + " over " + name + ": it is " + article(link) +
                ", not a physical link or an etherstub");
        }
        return (SwitchLink)link;
    }

    private <T extends Link> T find(final String name, final Class<T> type, final String what)
    {
        final Link link = link(name);
        if (!type.isInstance(link))
        {
            throw new LinkException(name + " is " + article(link) + ", not " + what);
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

    private static String article(final Link link)
    {
        switch (link.linkClass())
        {
            case ETHERSTUB: return "an etherstub";
            case PHYS: return "a physical link";
            case VLAN: return "a VLAN link";
            default: return "a VNIC";
        }
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

    private record ChosenMac(long mac, MacType type)
    {
    }

    private ChosenMac chooseMac(final SwitchLink under, final MacSpec spec, final Vnic self)
    {
        switch (spec.kind())
        {
            case FIXED:
                checkMacFree(under, spec.mac(), self);
                return new ChosenMac(spec.mac(), MacType.FIXED);
            case FACTORY:
                return factoryMac(under, spec.slot(), self, true);
            case AUTO:
            {
                final ChosenMac factory = factoryMac(under, 0, self, false);
                if (factory != null)
                {
                    return factory;
                }
                return new ChosenMac(randomMac(under, spec, self), MacType.RANDOM);
            }
            default:
                if (spec.mac() != 0)
                {
                    checkMacFree(under, spec.mac(), self);
                    return new ChosenMac(spec.mac(), MacType.RANDOM);
                }
                return new ChosenMac(randomMac(under, spec, self), MacType.RANDOM);
        }
    }

    private ChosenMac factoryMac(final SwitchLink under, final int slot, final Vnic self, final boolean required)
    {
        final long[] factory = under instanceof PhysicalLink ? ((PhysicalLink)under).factoryMacs() : new long[0];
        if (factory.length == 0)
        {
            if (!required)
            {
                return null;
            }
            throw new LinkException(under.name() + " has no factory MAC addresses");
        }
        final PhysicalLink phys = (PhysicalLink)under;
        if (slot > factory.length)
        {
            throw new LinkException("invalid factory slot " + slot + ": " + under.name() + " has slots 1-" +
                factory.length);
        }
        for (int s = slot == 0 ? 1 : slot; s <= (slot == 0 ? factory.length : slot); s++)
        {
            final String client = phys.factoryClient(s);
            if (client == null || (self != null && client.equals(self.name())))
            {
                checkMacFree(under, factory[s - 1], self);
                return new ChosenMac(factory[s - 1], MacType.factory(s));
            }
        }
        if (!required)
        {
            return null;
        }
        throw new LinkException(slot == 0 ? "no free factory MAC address on " + under.name() :
            "factory slot " + slot + " of " + under.name() + " is in use by " + phys.factoryClient(slot));
    }

    private long randomMac(final SwitchLink under, final MacSpec spec, final Vnic self)
    {
        final int randomBits = 8 * (6 - spec.prefixOctets());
        final long randomMask = (1L << randomBits) - 1;
        for (int attempt = 0; attempt < MAX_RANDOM_TRIES; attempt++)
        {
            final long mac = spec.prefix() | (random.nextLong() & randomMask);
            if (MacAddress.isValidUnicast(mac) && !macInUse(under, mac, self))
            {
                return mac;
            }
        }
        throw new LinkException("no free random MAC address with prefix " +
            MacAddress.formatDladm(spec.prefix()) + " on " + under.name());
    }

    private void checkMacFree(final SwitchLink under, final long mac, final Vnic self)
    {
        if (macInUse(under, mac, self))
        {
            throw new LinkException("MAC address " + MacAddress.formatDladm(mac) + " is already in use on " +
                under.name() + " by " + macUser(under, mac));
        }
    }

    private boolean macInUse(final SwitchLink under, final long mac, final Vnic self)
    {
        return macUser(under, mac) != null && (self == null || !macUser(under, mac).equals(self.name()));
    }

    private String macUser(final SwitchLink under, final long mac)
    {
        if (under instanceof PhysicalLink && ((PhysicalLink)under).primaryMac() == mac)
        {
            return under.name();
        }
        for (final PortLink link : portLinksOver(under))
        {
            if (link instanceof Vnic && link.mac() == mac)
            {
                return link.name();
            }
        }
        return null;
    }

    /**
     * Stop the datapath and every switch.
     */
    @Override
    public synchronized void close()
    {
        datapath.close();
    }
}
