package io.xbow.control.service;

import io.xbow.control.store.ConfigEntry;
import io.xbow.control.store.ConfigException;
import io.xbow.control.store.ConfigStore;
import io.xbow.packet.address.MacAddress;
import io.xbow.vnic.LinkException;
import io.xbow.vnic.LinkRegistry;
import io.xbow.vnic.LinkStats;
import io.xbow.vnic.link.Etherstub;
import io.xbow.vnic.link.Link;
import io.xbow.vnic.link.PhysicalLink;
import io.xbow.vnic.uplink.HostLink;
import io.xbow.vnic.link.PortLink;
import io.xbow.vnic.link.VlanLink;
import io.xbow.vnic.link.Vnic;
import io.xbow.vnic.mac.MacSpec;
import io.xbow.vnic.mac.MacType;
import io.xbow.vnic.prop.Bandwidth;
import io.xbow.vnic.prop.LinkProperty;
import io.xbow.vnic.prop.PropertyInfo;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The dladm command set over the link model, with persistence: every change is applied to the
 * {@link LinkRegistry} (which checks it in full) and then written to the configuration file before it is
 * acknowledged; if the file cannot be written the change is undone and the caller gets the error. Objects and
 * property values given with {@code -t} are applied but not written. One lock orders every change, so concurrent
 * clients see a sequence of whole changes.
 */
public final class DladmService
{
    private final LinkRegistry registry;
    private final ConfigStore store;
    private final Map<String, ConfigEntry> persistent = new LinkedHashMap<>();

    /**
     * @param registry the link model.
     * @param store    the configuration file, or null to persist nothing.
     */
    public DladmService(final LinkRegistry registry, final ConfigStore store)
    {
        this.registry = registry;
        this.store = store;
    }

    public LinkRegistry registry()
    {
        return registry;
    }

    /**
     * Re-create every object of the configuration file.
     *
     * @throws ConfigException naming the file, line and reason of the first object that cannot be re-created.
     */
    public synchronized void restore() throws ConfigException
    {
        if (store == null)
        {
            return;
        }
        final List<ConfigEntry> entries = new ArrayList<>(store.load());
        // A physical link's properties first: links over it start from them (its MTU), as at boot on illumos.
        entries.sort(java.util.Comparator.comparing(entry -> !entry.kind().equals("phys")));
        for (final ConfigEntry entry : entries)
        {
            try
            {
                apply(entry);
            }
            catch (final RuntimeException ex)
            {
                throw new ConfigException(store.file() + ":" + entry.line() + ": " + entry.kind() + " " + entry.name() +
                    ": " + ex.getMessage(), ex);
            }
            persistent.put(entry.name(), entry);
        }
    }

    private void apply(final ConfigEntry entry)
    {
        switch (entry.kind())
        {
            case "etherstub":
                registry.createEtherstub(entry.name(), false);
                break;
            case "vlan":
                registry.createVlan(required(entry, "over"), Integer.parseInt(required(entry, "vid")), entry.name(),
                    false);
                break;
            case "phys":
                applyPhys(entry);
                break;
            default:
                final String type = entry.get("mactype") == null ? "fixed" : entry.get("mactype");
                final long mac = MacAddress.parse(required(entry, "mac"));
                final MacSpec spec = specOf(mac, type.equals("random") ? MacType.RANDOM :
                    type.startsWith("factory") ? MacType.factory(Integer.parseInt(type.substring(type.indexOf('/') + 1)))
                        : MacType.FIXED);
                final Map<String, String> properties = new LinkedHashMap<>();
                for (final Map.Entry<String, String> attribute : entry.attributes().entrySet())
                {
                    final LinkProperty property = LinkProperty.of(attribute.getKey());
                    if (property != null && property.isWritable())
                    {
                        properties.put(attribute.getKey(), attribute.getValue());
                    }
                    else if (!List.of("over", "mac", "mactype", "vid").contains(attribute.getKey()))
                    {
                        throw new IllegalArgumentException("unknown attribute '" + attribute.getKey() + "'");
                    }
                }
                registry.createVnic(entry.name(), required(entry, "over"), spec,
                    entry.get("vid") == null ? 0 : Integer.parseInt(entry.get("vid")), properties, false);
        }
    }

    /**
     * The properties set on a host interface. An interface that is not there (unplugged, renamed) stops nothing:
     * its line is kept for when it is back, as illumos keeps the configuration of absent hardware.
     */
    private void applyPhys(final ConfigEntry entry)
    {
        final Link link;
        try
        {
            link = registry.link(entry.name());
        }
        catch (final LinkException absent)
        {
            System.getLogger(DladmService.class.getName()).log(System.Logger.Level.WARNING, "physical link " +
                entry.name() + " is not on this host: its properties (" + entry.attributes() + ") wait for it");
            return;
        }
        if (!(link instanceof PhysicalLink))
        {
            throw new IllegalArgumentException(entry.name() + " is not a physical link");
        }
        if (!entry.attributes().isEmpty())
        {
            registry.setProperties(entry.name(), entry.attributes());
        }
    }

    /** The spec that gives a VNIC back exactly this address and type (a random MAC stays random, a factory slot stays). */
    private static MacSpec specOf(final long mac, final MacType type)
    {
        switch (type.kind())
        {
            case RANDOM: return MacSpec.restoredRandom(mac);
            case FACTORY: return MacSpec.factory(type.slot());
            default: return MacSpec.fixed(mac);
        }
    }

    private static String mactype(final MacType type)
    {
        return type.kind() == MacType.Kind.FACTORY ? "factory/" + type.slot() :
            type.kind() == MacType.Kind.RANDOM ? "random" : "fixed";
    }

    private static String required(final ConfigEntry entry, final String key)
    {
        final String value = entry.get(key);
        if (value == null)
        {
            throw new IllegalArgumentException("missing " + key + "=");
        }
        return value;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Changes
    // ---------------------------------------------------------------------------------------------------------

    public synchronized void createEtherstub(final String name, final boolean temporary)
    {
        checkNotPersistent(name);
        registry.createEtherstub(name, temporary);
        if (!temporary)
        {
            persist(() -> persistent.put(name, new ConfigEntry("etherstub", name, Map.of(), 0)),
                () -> registry.deleteEtherstub(name));
        }
    }

    /**
     * @param temporary {@code -t}: delete the active etherstub only; it comes back on the next start.
     */
    public synchronized void deleteEtherstub(final String name, final boolean temporary)
    {
        final ConfigEntry old = persistent.get(name);
        if (deletePersistentOnly(name, "etherstub", temporary))
        {
            return;
        }
        final Link link = registry.link(name);
        if (!(link instanceof Etherstub))
        {
            throw new LinkException(name + " is not an etherstub");
        }
        registry.deleteEtherstub(name);
        if (!temporary && old != null)
        {
            persist(() -> persistent.remove(name), () -> registry.createEtherstub(name, false));
        }
    }

    /**
     * A persistent object whose active one was deleted with {@code -t} is deleted from the configuration alone.
     *
     * @return true when that was the case (and it is done).
     */
    private boolean deletePersistentOnly(final String name, final String kind, final boolean temporary)
    {
        final ConfigEntry old = persistent.get(name);
        if (old == null || isActive(name))
        {
            return false;
        }
        if (!old.kind().equals(kind))
        {
            throw new LinkException(name + " is not " + (kind.equals("vnic") ? "a VNIC" : kind.equals("vlan") ?
                "a VLAN link" : "an etherstub"));
        }
        if (temporary)
        {
            throw LinkException.notFound("link " + name + " not found");
        }
        for (final ConfigEntry entry : persistent.values())
        {
            if (name.equals(entry.get("over")))
            {
                throw new LinkException("link busy: " + entry.name() + " is over " + name +
                    " in the persistent configuration");
            }
        }
        persist(() -> persistent.remove(name), () -> { });
        return true;
    }

    private boolean isActive(final String name)
    {
        for (final Link link : registry.links())
        {
            if (link.name().equals(name))
            {
                return true;
            }
        }
        return false;
    }

    /**
     * A name the persistent configuration holds (its active object deleted with {@code -t}) stays taken, as
     * dladm's: the next start would re-create it.
     */
    private void checkNotPersistent(final String name)
    {
        if (name != null && persistent.containsKey(name) && !isActive(name))
        {
            throw new LinkException("object already exists: link " + name + " is in the persistent configuration " +
                "(deleted with -t; delete it without -t first)");
        }
    }

    /** A persistent link over a temporary one could not be re-created on the next start. */
    private void checkPersistentUnder(final String over, final String what)
    {
        final Link under = registry.link(over);
        if (!(under instanceof PhysicalLink) && !persistent.containsKey(over))
        {
            throw new LinkException("cannot persistently " + what + " over temporary link " + over +
                ": change cannot be persistent, specify -t please");
        }
    }

    /** dladm refuses a persistent change to a temporary object (DLADM_STATUS_TEMPONLY). */
    private void checkPersistent(final String name, final String what)
    {
        final Link link = registry.link(name); // an unknown link is "not found" first
        if (!persistent.containsKey(name) && !isHostInterface(link))
        {
            throw new LinkException("cannot persistently " + what + ": change cannot be persistent, specify -t " +
                "please");
        }
    }

    /**
     * @param name       VNIC name.
     * @param over       the link it goes over.
     * @param mac        dladm's {@code -m} value, or null for auto.
     * @param prefix     {@code -r}, or null.
     * @param slot       {@code -n}, or null.
     * @param vid        {@code -v}, or 0.
     * @param properties {@code -p} values.
     * @param temporary  {@code -t}.
     */
    public synchronized void createVnic(final String name, final String over, final String mac, final String prefix,
        final Integer slot, final int vid, final Map<String, String> properties, final boolean temporary)
    {
        checkNotPersistent(name);
        if (!temporary)
        {
            checkPersistentUnder(over, "create VNIC " + name);
        }
        final Vnic vnic = registry.createVnic(name, over, MacSpec.parse(mac, prefix, slot), vid, properties, temporary);
        if (!temporary)
        {
            // The values as the registry parsed them, not as typed: what is written must read back.
            final Map<String, String> normalised = currentValues(name, properties.keySet());
            persist(() -> persistent.put(name, vnicEntry(vnic, normalised)), () -> registry.deleteVnic(name));
        }
    }

    private static ConfigEntry vnicEntry(final Vnic vnic, final Map<String, String> properties)
    {
        final Map<String, String> attributes = new LinkedHashMap<>();
        attributes.put("over", vnic.over());
        attributes.put("mac", MacAddress.formatDladm(vnic.mac()));
        attributes.put("mactype", mactype(vnic.macType()));
        if (vnic.vid() != 0)
        {
            attributes.put("vid", Integer.toString(vnic.vid()));
        }
        attributes.putAll(properties);
        return new ConfigEntry("vnic", vnic.name(), attributes, 0);
    }

    /**
     * @param temporary {@code -t}: delete the active VNIC only; it comes back on the next start.
     */
    public synchronized void deleteVnic(final String name, final boolean temporary)
    {
        if (deletePersistentOnly(name, "vnic", temporary))
        {
            return;
        }
        final Link link = registry.link(name);
        if (!(link instanceof Vnic))
        {
            throw new LinkException(name + " is not a VNIC");
        }
        final ConfigEntry old = persistent.get(name);
        registry.deleteVnic(name);
        if (!temporary && old != null)
        {
            persist(() -> persistent.remove(name), () -> apply(old));
        }
    }

    /**
     * @param name VNIC name.
     * @param mac  dladm's {@code -m} value, or null to keep it.
     * @param vid  the new VLAN id, or null to keep it.
     * @param temporary {@code -t}.
     */
    public synchronized void modifyVnic(final String name, final String mac, final Integer vid, final boolean temporary)
    {
        final Link link = registry.link(name);
        if (!(link instanceof Vnic))
        {
            throw new LinkException(name + " is not a VNIC");
        }
        final Vnic vnic = (Vnic)link;
        if (!temporary)
        {
            checkPersistent(name, "modify VNIC " + name);
        }
        final MacSpec oldSpec = specOf(vnic.mac(), vnic.macType());
        final int oldVid = vnic.vid();
        registry.modifyVnic(name, mac == null ? null : MacSpec.parse(mac, null, null), vid);
        final ConfigEntry old = persistent.get(name);
        if (!temporary)
        {
            final ConfigEntry next = old.with("mac", MacAddress.formatDladm(vnic.mac()))
                .with("mactype", mactype(vnic.macType()))
                .with("vid", vnic.vid() == 0 ? null : Integer.toString(vnic.vid()));
            persist(() -> persistent.put(name, next), () -> registry.modifyVnic(name, oldSpec, oldVid));
        }
    }

    public synchronized void createVlan(final String over, final int vid, final String name, final boolean temporary)
    {
        checkNotPersistent(name);
        if (!temporary)
        {
            checkPersistentUnder(over, "create VLAN link " + (name == null ? "over " + over : name));
        }
        final VlanLink vlan = registry.createVlan(over, vid, name, temporary);
        if (!temporary)
        {
            final Map<String, String> attributes = new LinkedHashMap<>();
            attributes.put("over", over);
            attributes.put("vid", Integer.toString(vid));
            persist(() -> persistent.put(vlan.name(), new ConfigEntry("vlan", vlan.name(), attributes, 0)),
                () -> registry.deleteVlan(vlan.name()));
        }
    }

    /**
     * @param temporary {@code -t}: delete the active VLAN link only; it comes back on the next start.
     */
    public synchronized void deleteVlan(final String name, final boolean temporary)
    {
        if (deletePersistentOnly(name, "vlan", temporary))
        {
            return;
        }
        final ConfigEntry old = persistent.get(name);
        registry.deleteVlan(name);
        if (!temporary && old != null)
        {
            persist(() -> persistent.remove(name), () -> apply(old));
        }
    }

    public synchronized void renameLink(final String oldName, final String newName)
    {
        checkNotPersistent(newName);
        registry.rename(oldName, newName);
        persist(() -> renamePersistent(oldName, newName), () -> registry.rename(newName, oldName));
    }

    private void renamePersistent(final String oldName, final String newName)
    {
        final Map<String, ConfigEntry> renamed = new LinkedHashMap<>();
        for (final ConfigEntry entry : persistent.values())
        {
            ConfigEntry next = entry.name().equals(oldName) ? entry.renamed(newName) : entry;
            if (oldName.equals(next.get("over")))
            {
                next = next.with("over", newName);
            }
            renamed.put(next.name(), next);
        }
        persistent.clear();
        persistent.putAll(renamed);
    }

    /** A host interface is a persistent object of the host's: properties set on it persist, as on illumos. */
    private static boolean isHostInterface(final Link link)
    {
        return link instanceof PhysicalLink && ((PhysicalLink)link).isHostInterface();
    }

    /** The configuration line of a link whose properties change: a host interface's is made on its first change. */
    private ConfigEntry entryOf(final String name)
    {
        final ConfigEntry entry = persistent.get(name);
        return entry != null ? entry : new ConfigEntry("phys", name, Map.of(), 0);
    }

    /** Put a changed line back; a host interface's line with nothing left to say goes. */
    private void keep(final String name, final ConfigEntry entry)
    {
        if (entry.kind().equals("phys") && entry.attributes().isEmpty())
        {
            persistent.remove(name);
        }
        else
        {
            persistent.put(name, entry);
        }
    }

    public synchronized void setLinkprop(final String name, final Map<String, String> properties,
        final boolean temporary)
    {
        if (!temporary)
        {
            checkPersistent(name, "set link property");
        }
        final Map<String, String> before = currentValues(name, properties.keySet());
        registry.setProperties(name, properties);
        if (!temporary)
        {
            ConfigEntry updated = entryOf(name);
            for (final Map.Entry<String, String> property : currentValues(name, properties.keySet()).entrySet())
            {
                updated = updated.with(property.getKey(), property.getValue());
            }
            final ConfigEntry next = updated;
            persist(() -> keep(name, next), () -> restoreValues(name, before));
        }
    }

    public synchronized void resetLinkprop(final String name, final Collection<String> properties,
        final boolean temporary)
    {
        final List<String> names = new ArrayList<>(properties);
        if (names.isEmpty())
        {
            for (final PropertyInfo info : registry.showProperties(name, List.of()))
            {
                if (info.perm().equals("rw"))
                {
                    names.add(info.property());
                }
            }
        }
        if (!temporary)
        {
            checkPersistent(name, "reset link property");
        }
        final Map<String, String> before = currentValues(name, names);
        registry.resetProperties(name, properties);
        if (!temporary)
        {
            ConfigEntry updated = entryOf(name);
            for (final String property : names)
            {
                updated = updated.with(property, null);
            }
            final ConfigEntry next = updated;
            persist(() -> keep(name, next), () -> restoreValues(name, before));
        }
    }

    private Map<String, String> currentValues(final String name, final Collection<String> properties)
    {
        final Map<String, String> values = new LinkedHashMap<>();
        if (properties.isEmpty())
        {
            return values; // (showProperties would answer every property)
        }
        final Link link = registry.link(name);
        for (final PropertyInfo info : registry.showProperties(name, properties))
        {
            // maxbw is shown in Mbit/s with decimals; keep it in a form set-linkprop takes back exactly.
            final boolean maxbw = info.property().equals("maxbw") && link instanceof PortLink &&
                ((PortLink)link).maxbwBps() > 0;
            values.put(info.property(), maxbw ? exactRate(((PortLink)link).maxbwBps()) : info.value());
        }
        return values;
    }

    /** A rate in bits per second in the largest unit that states it exactly: 200M, 1500K, 1G. */
    private static String exactRate(final long bps)
    {
        if (bps % 1_000_000_000L == 0)
        {
            return bps / 1_000_000_000L + "G";
        }
        return bps % 1_000_000 == 0 ? bps / 1_000_000 + "M" : bps / 1000 + "K";
    }

    private void restoreValues(final String name, final Map<String, String> values)
    {
        final Map<String, String> set = new LinkedHashMap<>();
        final List<String> reset = new ArrayList<>();
        for (final Map.Entry<String, String> value : values.entrySet())
        {
            if (value.getValue().equals("--"))
            {
                reset.add(value.getKey());
            }
            else
            {
                set.put(value.getKey(), value.getValue());
            }
        }
        if (!reset.isEmpty())
        {
            registry.resetProperties(name, reset);
        }
        if (!set.isEmpty())
        {
            registry.setProperties(name, set);
        }
    }

    /**
     * Update the persistent model and write it; if the write fails, undo the model update and the live change.
     */
    private void persist(final Runnable update, final Runnable undo)
    {
        ConfigStore.change(store, persistent, update, undo);
    }

    // ---------------------------------------------------------------------------------------------------------
    // Show
    // ---------------------------------------------------------------------------------------------------------

    public synchronized Table showLink(final String name)
    {
        final List<List<String>> rows = new ArrayList<>();
        final Map<String, HostLink> hosts = hostLinks();
        if (name == null)
        {
            // Host interfaces are physical links whether or not anything was created over them yet.
            for (final HostLink host : hosts.values())
            {
                if (!isActive(host.name()))
                {
                    rows.add(List.of(host.name(), "phys", Integer.toString(host.mtu()), host.state(), "--", ""));
                }
            }
        }
        for (final Link link : select(name))
        {
            final HostLink host = link instanceof PhysicalLink ? hosts.get(link.name()) : null;
            rows.add(List.of(link.name(), link.linkClass().label(), Integer.toString(link.mtu()),
                host != null ? host.state() : link.state(), "--", link.over().equals("--") ? "" : link.over()));
        }
        return new Table(List.of("LINK", "CLASS", "MTU", "STATE", "BRIDGE", "OVER"), rows);
    }

    /** The host's Ethernet interfaces by name, in the host's order. */
    private Map<String, HostLink> hostLinks()
    {
        final Map<String, HostLink> hosts = new LinkedHashMap<>();
        for (final HostLink host : registry.hostLinks().list())
        {
            hosts.put(host.name(), host);
        }
        return hosts;
    }

    public synchronized Table showLinkStats(final String name)
    {
        final List<List<String>> rows = new ArrayList<>();
        for (final Link link : select(name))
        {
            final LinkStats s = registry.stats(link.name());
            rows.add(List.of(link.name(), Long.toString(s.ipackets()), Long.toString(s.rbytes()),
                Long.toString(s.ierrors()), Long.toString(s.opackets()), Long.toString(s.obytes()),
                Long.toString(s.oerrors())));
        }
        return new Table(List.of("LINK", "IPACKETS", "RBYTES", "IERRORS", "OPACKETS", "OBYTES", "OERRORS"), rows);
    }

    public synchronized Table showPhys(final String name)
    {
        final List<List<String>> rows = new ArrayList<>();
        final Map<String, HostLink> hosts = hostLinks();
        if (name == null)
        {
            for (final HostLink host : hosts.values())
            {
                rows.add(physRow(host));
            }
        }
        else if (hosts.containsKey(name))
        {
            rows.add(physRow(hosts.get(name)));
            return new Table(PHYS_FIELDS, rows);
        }
        for (final Link link : select(name))
        {
            if (link instanceof PhysicalLink && !hosts.containsKey(link.name()))
            {
                // Made by hand (tests, tools): no host interface to describe.
                rows.add(List.of(link.name(), "Ethernet", link.state(), Long.toString(link.speedMbps()), "full",
                    link.name(), "-----"));
            }
            else if (name != null && !(link instanceof PhysicalLink))
            {
                throw new LinkException(name + " is not a physical link");
            }
        }
        return new Table(PHYS_FIELDS, rows);
    }

    private static final List<String> PHYS_FIELDS = List.of("LINK", "MEDIA", "STATE", "SPEED", "DUPLEX", "DEVICE",
        "FLAGS");

    private static List<String> physRow(final HostLink host)
    {
        return List.of(host.name(), "Ethernet", host.state(), Long.toString(host.speedMbps()), host.duplex(),
            host.device(), "-----");
    }

    public synchronized Table showVnic(final String name, final String over)
    {
        return showVnic(name, over, false);
    }

    /**
     * @param persistentView show-vnic -P: the VNICs of the persistent configuration, as they will be re-created (a
     *                   temporary one is not there; the speed is the active VNIC's, 0 for one not active).
     */
    public synchronized Table showVnic(final String name, final String over, final boolean persistentView)
    {
        if (persistentView)
        {
            return showVnicPersistent(name, over);
        }
        final List<List<String>> rows = new ArrayList<>();
        for (final Link link : select(name))
        {
            if (link instanceof Vnic && (over == null || link.over().equals(over)))
            {
                final Vnic vnic = (Vnic)link;
                rows.add(List.of(vnic.name(), vnic.over(), Long.toString(vnic.speedMbps()),
                    MacAddress.formatDladm(vnic.mac()), vnic.macType().toString(), Integer.toString(vnic.vid()),
                    "--"));
            }
            else if (name != null && !(link instanceof Vnic))
            {
                throw new LinkException(name + " is not a VNIC");
            }
        }
        if (over != null)
        {
            registry.link(over);
        }
        return new Table(List.of("LINK", "OVER", "SPEED", "MACADDRESS", "MACADDRTYPE", "VID", "ZONE"), rows);
    }

    public synchronized Table showEtherstub(final String name)
    {
        final List<List<String>> rows = new ArrayList<>();
        for (final Link link : select(name))
        {
            if (link instanceof Etherstub)
            {
                rows.add(List.of(link.name()));
            }
            else if (name != null)
            {
                throw new LinkException(name + " is not an etherstub");
            }
        }
        return new Table(List.of("LINK"), rows);
    }

    public synchronized Table showVlan(final String name)
    {
        final List<List<String>> rows = new ArrayList<>();
        for (final Link link : select(name))
        {
            if (link instanceof VlanLink)
            {
                rows.add(List.of(link.name(), Integer.toString(((PortLink)link).vid()), link.over(), "-----"));
            }
            else if (name != null)
            {
                throw new LinkException(name + " is not a VLAN link");
            }
        }
        return new Table(List.of("LINK", "VID", "OVER", "FLAGS"), rows);
    }

    public synchronized Table showLinkprop(final String name, final Collection<String> properties)
    {
        return showLinkprop(name, properties, false);
    }

    /**
     * @param persistentView show-linkprop -P: VALUE is what the persistent configuration holds ({@code --} for a
     *                   property set only with {@code -t}, or not at all); a link with no persistent configuration
     *                   (a temporary one) is not shown, or, named, refused.
     */
    public synchronized Table showLinkprop(final String name, final Collection<String> properties,
        final boolean persistentView)
    {
        final List<List<String>> rows = new ArrayList<>();
        if (persistentView && name != null && !persistent.containsKey(name) && !isHostInterface(registry.link(name)))
        {
            throw new LinkException("cannot show link properties of " + name + ": not in the persistent " +
                "configuration (created with -t)");
        }
        for (final Link link : select(name))
        {
            final ConfigEntry entry = persistent.get(link.name());
            if (persistentView && entry == null && !isHostInterface(link))
            {
                continue;
            }
            final Collection<String> wanted = name == null && !properties.isEmpty() ? applicable(link, properties) :
                properties;
            for (final PropertyInfo info : registry.showProperties(link.name(), wanted))
            {
                String value = info.value();
                if (persistentView)
                {
                    final String kept = entry == null ? null : entry.get(info.property());
                    // Kept exactly (200M); shown as the active value is (200, in Mbit/s).
                    value = kept == null ? "--" : info.property().equals("maxbw") ?
                        Bandwidth.format(Bandwidth.parse(kept)) : kept;
                }
                rows.add(List.of(info.link(), info.property(), info.perm(), value, info.defaultValue(),
                    info.possible()));
            }
        }
        return new Table(List.of("LINK", "PROPERTY", "PERM", "VALUE", "DEFAULT", "POSSIBLE"), rows);
    }

    /**
     * show-link -P: what the persistent configuration holds, as it will be re-created (host interfaces, which the
     * host keeps, first); {@code LINK CLASS BRIDGE OVER}.
     */
    public synchronized Table showLinkPersistent(final String name)
    {
        final List<List<String>> rows = new ArrayList<>();
        for (final HostLink host : hostLinks().values())
        {
            rows.add(List.of(host.name(), "phys", "--", ""));
        }
        for (final ConfigEntry entry : persistent.values())
        {
            if (entry.kind().equals("phys"))
            {
                if (!hostLinks().containsKey(entry.name()))
                {
                    rows.add(List.of(entry.name(), "phys", "--", "")); // configured, its device absent
                }
                continue;
            }
            rows.add(List.of(entry.name(), entry.kind(), "--", entry.get("over") == null ? "" : entry.get("over")));
        }
        return new Table(List.of("LINK", "CLASS", "BRIDGE", "OVER"), only(rows, name));
    }

    /** show-phys -P: {@code LINK DEVICE MEDIA FLAGS}; FLAGS {@code r----} for a configured interface not there. */
    public synchronized Table showPhysPersistent(final String name)
    {
        final List<List<String>> rows = new ArrayList<>();
        final Map<String, HostLink> hosts = hostLinks();
        for (final HostLink host : hosts.values())
        {
            rows.add(List.of(host.name(), host.device(), "Ethernet", "-----"));
        }
        for (final ConfigEntry entry : persistent.values())
        {
            if (entry.kind().equals("phys") && !hosts.containsKey(entry.name()))
            {
                rows.add(List.of(entry.name(), "--", "Ethernet", "r----"));
            }
        }
        return new Table(List.of("LINK", "DEVICE", "MEDIA", "FLAGS"), only(rows, name));
    }

    /**
     * show-phys -m: each physical link's MAC addresses: its primary ({@code primary}, in use by the link itself
     * once a switch runs over it) and its factory slots (1, 2, ...) with the VNIC using each.
     */
    public synchronized Table showPhysMacs(final String name)
    {
        final List<List<String>> rows = new ArrayList<>();
        for (final HostLink host : hostLinks().values())
        {
            final boolean active = isActive(host.name()) && registry.link(host.name()) instanceof PhysicalLink;
            if (!active)
            {
                rows.add(List.of(host.name(), "primary", MacAddress.formatDladm(host.mac()), "no", "--"));
            }
        }
        for (final Link link : registry.links())
        {
            if (link instanceof PhysicalLink)
            {
                final PhysicalLink phys = (PhysicalLink)link;
                rows.add(List.of(phys.name(), "primary", MacAddress.formatDladm(phys.primaryMac()), "yes",
                    phys.name()));
                final long[] factory = phys.factoryMacs();
                for (int slot = 1; slot <= factory.length; slot++)
                {
                    final String client = phys.factoryClient(slot);
                    rows.add(List.of(phys.name(), Integer.toString(slot), MacAddress.formatDladm(factory[slot - 1]),
                        client == null ? "no" : "yes", client == null ? "--" : client));
                }
            }
        }
        if (name != null && rows.stream().noneMatch(r -> r.get(0).equals(name)))
        {
            registry.link(name); // "not found" for a name that is nothing
            throw new LinkException(name + " is not a physical link");
        }
        return new Table(List.of("LINK", "SLOT", "ADDRESS", "INUSE", "CLIENT"), only(rows, name));
    }

    private Table showVnicPersistent(final String name, final String over)
    {
        final List<List<String>> rows = new ArrayList<>();
        for (final ConfigEntry entry : persistent.values())
        {
            if (!entry.kind().equals("vnic") || over != null && !over.equals(entry.get("over")))
            {
                continue;
            }
            final String type = entry.get("mactype") == null ? "fixed" : entry.get("mactype");
            final Link active = isActive(entry.name()) ? registry.link(entry.name()) : null;
            final String shownType = type.startsWith("factory") ?
                "factory, slot " + type.substring(type.indexOf('/') + 1) : type;
            rows.add(List.of(entry.name(), entry.get("over"), active == null ? "0" : Long.toString(active.speedMbps()),
                entry.get("mac"), shownType, entry.get("vid") == null ? "0" : entry.get("vid"), "--"));
        }
        if (name != null && rows.stream().noneMatch(r -> r.get(0).equals(name)))
        {
            registry.link(name);
            throw new LinkException(name + " is not a VNIC of the persistent configuration");
        }
        return new Table(List.of("LINK", "OVER", "SPEED", "MACADDRESS", "MACADDRTYPE", "VID", "ZONE"),
            only(rows, name));
    }

    /** The rows of one link, or all; a name with no row is not found. */
    private List<List<String>> only(final List<List<String>> rows, final String name)
    {
        if (name == null)
        {
            return rows;
        }
        final List<List<String>> kept = new ArrayList<>();
        for (final List<String> row : rows)
        {
            if (row.get(0).equals(name))
            {
                kept.add(row);
            }
        }
        if (kept.isEmpty())
        {
            throw LinkException.notFound("link " + name + " is not in the persistent configuration");
        }
        return kept;
    }

    private Collection<String> applicable(final Link link, final Collection<String> properties)
    {
        final List<String> names = new ArrayList<>();
        for (final PropertyInfo info : registry.showProperties(link.name(), List.of()))
        {
            if (properties.contains(info.property()))
            {
                names.add(info.property());
            }
        }
        return names.isEmpty() ? List.of("state") : names;
    }

    private List<Link> select(final String name)
    {
        return name == null ? registry.links() : List.of(registry.link(name));
    }
}
