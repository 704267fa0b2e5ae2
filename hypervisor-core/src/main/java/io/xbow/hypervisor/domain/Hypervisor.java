package io.xbow.hypervisor.domain;

import io.xbow.hypervisor.config.VifSpec;
import io.xbow.hypervisor.config.XlConfig;
import io.xbow.hostif.io.Readiness;
import io.xbow.hostif.sys.NativeException;
import io.xbow.hypervisor.guest.EmulatedGuest;
import io.xbow.hypervisor.guest.GuestNic;
import io.xbow.hypervisor.guest.NetnsGuest;
import io.xbow.hypervisor.guest.DatapathGuests;
import io.xbow.hypervisor.guest.GuestRunner;
import io.xbow.hypervisor.guest.GuestThread;
import io.xbow.hypervisor.guest.Ping;
import io.xbow.netback.frontend.Netfront;
import io.xbow.netback.shm.GuestMemory;
import io.xbow.netback.xenbus.EventChannels;
import io.xbow.netback.xenbus.VifBackend;
import io.xbow.netback.xenbus.VifFrontend;
import io.xbow.netback.xenbus.XenStore;
import io.xbow.netback.xenbus.XenbusState;
import io.xbow.packet.address.Ipv4Address;
import io.xbow.packet.address.MacAddress;
import io.xbow.vnic.LinkException;
import io.xbow.vswitch.capture.CaptureLink;
import io.xbow.vnic.LinkRegistry;
import io.xbow.vnic.link.Vnic;
import io.xbow.vnic.mac.MacSpec;
import io.xbow.vnic.prop.Bandwidth;
import org.agrona.concurrent.NanoClock;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The hypervisor core: creates domains from xl configs and, for each vif, the VNIC ({@code xvm<domid>_<devid>}
 * over the vif's {@code bridge} link, with its MAC, VLAN id and rate), the netback ({@code vif<domid>.<devid>})
 * plugged into it, and the guest's netfront, connected through the xenbus handshake. Destroying a domain tears
 * all of it down; the VNIC's switch returns every frame the vif held.
 * <p>
 * Domain ids start at 1 and are never reused while this object lives (0 is the host, {@code Domain-0}).
 * Domain VNICs are temporary links: the domain config is what persists, not its VNICs.
 */
public final class Hypervisor implements AutoCloseable
{
    public static final int HOST_DOMID = 0;
    public static final String HOST_NAME = "Domain-0";
    /** The prefix of auto-generated vif MACs: the Xen OUI. */
    public static final String XEN_OUI = "0:16:3e";

    private final LinkRegistry links;
    private volatile VifRouter vifRouter;
    private final XenStore store;
    private final EventChannels channels;
    private final NanoClock clock;
    private final GuestRunner runner;
    /** Where netns guests run when not on threads of their own: the datapath thread; null for their own. */
    private volatile DatapathGuests netnsGuests;
    private FaultInjector faults = step -> { };
    private final TreeMap<Integer, Domain> domains = new TreeMap<>();
    private Readiness readiness;
    private int nextDomid = 1;

    /**
     * @param links     the link registry the vifs' VNICs go into.
     * @param store     the xenstore.
     * @param channels  the host's event channels.
     * @param clock     for uptimes.
     */
    public Hypervisor(final LinkRegistry links, final XenStore store, final EventChannels channels,
        final NanoClock clock)
    {
        this(links, store, channels, clock, null);
    }

    /**
     * @param runner runs the emulated guests; null to leave the guests' netfronts to the caller (tests).
     */
    public Hypervisor(final LinkRegistry links, final XenStore store, final EventChannels channels,
        final NanoClock clock, final GuestRunner runner)
    {
        this.runner = runner;
        this.links = links;
        this.store = store;
        this.channels = channels;
        this.clock = clock;
        domains.put(HOST_DOMID, new Domain(HOST_DOMID, HOST_NAME, new UUID(0, 0), null, clock.nanoTime(),
            DomainState.RUNNING));
        store.write("/local/domain/0/name", HOST_NAME);
        links.onLinkDown(this::linkDown);
    }

    /**
     * Run netns guests' frontends on the datapath thread from now on, rather than each on a thread of its own.
     *
     * @param guests the agent on the datapath thread.
     */
    public void runNetnsGuestsOn(final DatapathGuests guests)
    {
        this.netnsGuests = guests;
    }

    /**
     * @param router what sets up the router's side of {@code script=vif-route} vifs; without one they are refused.
     */
    public void routeVifsWith(final VifRouter router)
    {
        this.vifRouter = router;
    }

    /** A link under a vif went down (its uplink vanished): the guest sees its interface lose carrier. */
    private synchronized void linkDown(final String link)
    {
        for (final Domain domain : domains.values())
        {
            for (final Vif vif : domain.vifs())
            {
                if (vif.vnic().equals(link))
                {
                    // Xen's way, for any frontend that reads it: the backend's carrier key (absent: up).
                    store.write(XenStore.backendPath(HOST_DOMID, domain.id(), vif.devid()) + "/carrier", "0");
                    if (vif.guestInterface() != null && domain.guest() != null)
                    {
                        domain.guest().carrier(vif.guestInterface(), false);
                    }
                }
            }
        }
    }

    /**
     * Where tests make a vif's creation fail at a named step ({@code memory}, {@code backend}, {@code frontend},
     * {@code connected}), to check that nothing is left behind.
     */
    @FunctionalInterface
    public interface FaultInjector
    {
        void step(String name);
    }

    /**
     * @param faults called before each step of a vif's creation; throws to make that step fail.
     */
    public synchronized void faults(final FaultInjector faults)
    {
        this.faults = faults;
    }

    public XenStore store()
    {
        return store;
    }

    public long nanoTime()
    {
        return clock.nanoTime();
    }

    // ---------------------------------------------------------------------------------------------------------
    // Domains
    // ---------------------------------------------------------------------------------------------------------

    /**
     * Create and start a domain; all of its vifs come up, or nothing is left behind.
     *
     * @param config the parsed configuration.
     * @return the running domain.
     */
    public synchronized Domain create(final XlConfig config)
    {
        return create(config, false);
    }

    /**
     * @param config the parsed configuration.
     * @param paused {@code xl create -p}: the domain starts paused, its guest never running until unpaused.
     * @return the domain.
     */
    public synchronized Domain create(final XlConfig config, final boolean paused)
    {
        if (!"emulated".equals(config.type()) && !"netns".equals(config.type()))
        {
            throw new DomainException("domain type '" + config.type() + "' cannot be built here: xbow builds " +
                "emulated guests (type = \"emulated\") and network namespaces (type = \"netns\")");
        }
        if ("netns".equals(config.type()) && !isRoot())
        {
            throw new DomainException("netns guests need root: xbowd runs as " + System.getProperty("user.name") +
                " (emulated guests and etherstubs work without it)");
        }
        if (find(config.name()) != null)
        {
            throw new DomainException("domain with name \"" + config.name() + "\" already exists");
        }
        final UUID uuid = config.uuid() != null ? config.uuid() : UUID.randomUUID();
        for (final Domain d : domains.values())
        {
            if (d.uuid().equals(uuid))
            {
                throw new DomainException("domain with uuid " + uuid + " already exists (" + d.name() + ")");
            }
        }
        final int domid = nextDomid++;
        final Domain domain = new Domain(domid, config.name(), uuid, config, clock.nanoTime(), DomainState.RUNNING);
        final boolean netns = "netns".equals(config.type());
        GuestRunner own = null;
        GuestThread place = null;
        try
        {
            if (netns && runner != null)
            {
                // A netns guest's frontends spend their time in its TAPs' system calls. On the datapath thread a
                // frame crosses no thread between two guests; on threads of their own (each sleeping where its
                // TAPs are watched) one guest's traffic does not wait on another's.
                place = netnsGuests != null ? netnsGuests : (own = GuestRunner.withReadiness("xbow-netns-" + domid,
                    clock));
            }
            domain.guest(netns ? new NetnsGuest(config.name(), domid, place != null ? place.readiness() :
                readiness()) : new EmulatedGuest(config.name()));
        }
        catch (final IllegalStateException ex)
        {
            if (own != null)
            {
                own.close();
            }
            throw new DomainException(ex.getMessage(), ex);
        }
        domain.runner(own);
        domain.guestThread(place);
        if (paused)
        {
            domain.state(DomainState.PAUSED);
            domain.guest().running(false);
        }
        if (runner != null)
        {
            threadOf(domain).add(domain.guest()); // before the vifs: it takes their interfaces (and lets them go)
        }
        final String path = "/local/domain/" + domid;
        store.write(path + "/name", config.name());
        store.write(path + "/vm", "/vm/" + uuid);
        store.write(path + "/memory/target", Long.toString(config.memoryMb() * 1024L));
        store.write(path + "/cpu/availability", Integer.toString(config.vcpus()));
        try
        {
            for (int devid = 0; devid < config.vifs().size(); devid++)
            {
                domain.addVif(attach(domain, devid, config.vifs().get(devid)));
            }
        }
        catch (final RuntimeException ex)
        {
            teardown(domain, false);
            throw ex;
        }
        domains.put(domid, domain);
        return domain;
    }

    /**
     * Destroy a domain at once: its vifs disappear without the guest closing them.
     *
     * @param ref domain name or id.
     */
    public synchronized void destroy(final String ref)
    {
        final Domain domain = guest(ref);
        domain.state(DomainState.DYING);
        teardown(domain, false);
        domains.remove(domain.id());
    }

    /**
     * Shut a domain down gracefully: the guest closes its devices (the frontends go Closing, Closed and the
     * backends follow), then the domain goes.
     *
     * @param ref domain name or id.
     */
    public synchronized void shutdown(final String ref)
    {
        final Domain domain = guest(ref);
        domain.state(DomainState.SHUTDOWN);
        teardown(domain, true);
        domains.remove(domain.id());
    }

    /**
     * Reboot: shut down, then create again from the same config, as a new domain id (as Xen does).
     *
     * @param ref domain name or id.
     * @return the new domain.
     */
    public synchronized Domain reboot(final String ref)
    {
        final Domain domain = guest(ref);
        shutdown(ref);
        return create(domain.config());
    }

    /**
     * Pause a domain: its guest stops running, so its vifs neither send nor take frames off their rings; frames
     * for it fill the buffers it posted, then wait in the netback's bounded queue, then are dropped and counted.
     *
     * @param ref domain name or id.
     */
    public synchronized void pause(final String ref)
    {
        final Domain domain = guest(ref);
        domain.state(DomainState.PAUSED);
        domain.guest().running(false);
    }

    public synchronized void unpause(final String ref)
    {
        final Domain domain = guest(ref);
        if (domain.state() == DomainState.PAUSED)
        {
            domain.state(DomainState.RUNNING);
            domain.guest().running(true);
        }
    }

    /**
     * @param ref a domain's name or id.
     * @return the domain.
     * @throws DomainException naming the reference, as xl does, if there is none.
     */
    public synchronized Domain domain(final String ref)
    {
        final Domain domain = find(ref);
        if (domain == null)
        {
            throw DomainException.notFound("'" + ref + "' is an invalid domain identifier");
        }
        return domain;
    }

    public synchronized List<Domain> list()
    {
        return new ArrayList<>(domains.values());
    }

    // ---------------------------------------------------------------------------------------------------------
    // Vifs
    // ---------------------------------------------------------------------------------------------------------

    /**
     * Add a vif to a running domain ({@code xl network-attach}).
     *
     * @param ref  domain name or id.
     * @param spec the vif.
     * @return the new vif.
     */
    public synchronized Vif networkAttach(final String ref, final VifSpec spec)
    {
        final Domain domain = guest(ref);
        final Vif vif = attach(domain, domain.nextDevid(), spec);
        domain.addVif(vif);
        return vif;
    }

    /**
     * Remove a vif from a running domain ({@code xl network-detach}): the guest closes it, then it goes.
     *
     * @param ref         domain name or id.
     * @param devidOrMac  the vif's devid or MAC.
     */
    public synchronized void networkDetach(final String ref, final String devidOrMac)
    {
        final Domain domain = guest(ref);
        Vif found = null;
        for (final Vif vif : domain.vifs())
        {
            if (Integer.toString(vif.devid()).equals(devidOrMac) || macMatches(vif.mac(), devidOrMac))
            {
                found = vif;
            }
        }
        if (found == null)
        {
            throw DomainException.notFound("domain " + domain.name() + " has no vif '" + devidOrMac + "'");
        }
        domain.removeVif(found.devid());
        detach(domain, found, true);
    }

    private static boolean macMatches(final long mac, final String text)
    {
        try
        {
            return text.indexOf(':') > 0 && MacAddress.parse(text) == mac;
        }
        catch (final IllegalArgumentException ex)
        {
            return false;
        }
    }

    private Vif attach(final Domain domain, final int devid, final VifSpec spec)
    {
        final String where = "vif " + devid + ": ";
        final boolean natted = "vif-nat".equals(spec.script());
        if (natted && vifRouter == null)
        {
            throw new DomainException(where + "script=vif-nat needs xbow's router, which runs in the daemon");
        }
        final int[] nat = natted ? natAddresses(where, domain.id(), devid, spec) : null;
        final boolean routed = "vif-route".equals(spec.script()) || natted;
        if (routed && !natted && spec.ips().isEmpty())
        {
            throw new DomainException(where + "script=vif-route needs ip=: the guest's own addresses, which the " +
                "router routes to it");
        }
        if (routed && vifRouter == null)
        {
            throw new DomainException(where + "script=vif-route needs xbow's router, which runs in the daemon");
        }
        if (!routed && spec.bridge() == null)
        {
            throw new DomainException(where + "no bridge=: name the etherstub or physical link the vif goes over");
        }
        final String vifName = spec.vifname() != null ? spec.vifname() : "vif" + domain.id() + "." + devid;
        for (final Domain d : domains.values())
        {
            for (final Vif other : d.vifs())
            {
                if (other.name().equals(vifName))
                {
                    throw new DomainException(where + "vifname '" + vifName + "' is in use by domain " + d.name());
                }
            }
        }
        final String vnicName = "xvm" + domain.id() + "_" + devid;
        final Map<String, String> properties = new LinkedHashMap<>();
        if (spec.rate() != null)
        {
            final long bps = spec.rate().bitsPerSecond();
            properties.put("maxbw", bps % 1000 == 0 ? (bps / 1000) + "K" : Bandwidth.format(bps));
        }
        if (natted)
        {
            // The guest's one address (ip= or Xen's default), and the DHCP that gives it (from 0.0.0.0) allowed.
            properties.put("protection", "mac-nospoof,ip-nospoof");
            properties.put("allowed-ips", Ipv4Address.format(nat[0]));
        }
        else if (!spec.ips().isEmpty())
        {
            // As vif-bridge's anti-spoofing rules do: the guest may send only from its own MAC and addresses.
            properties.put("protection", "mac-nospoof,ip-nospoof");
            // The guest's own addresses; a prefix in ip= (10.0.0.2/24) gives the guest its subnet, not more sources.
            properties.put("allowed-ips", String.join(",",
                spec.ips().stream().map(ip -> ip.contains("/") ? ip.substring(0, ip.indexOf('/')) : ip).toList()));
        }
        final MacSpec macSpec = spec.mac() != null ? MacSpec.fixed(spec.mac()) : MacSpec.random(XEN_OUI);
        VifRouter.RoutedVif routedVif = null;
        if (routed)
        {
            final List<Integer> addresses = new ArrayList<>();
            for (final String ip : natted ? List.<String>of() : spec.ips())
            {
                addresses.add(Ipv4Address.parse(ip.contains("/") ? ip.substring(0, ip.indexOf('/')) : ip));
            }
            try
            {
                routedVif = natted ? vifRouter.connectNat(vifName, vnicName, nat[0], nat[1], nat[2],
                    spec.gatewaydev()) : vifRouter.connect(vifName, vnicName, addresses, spec.gatewaydev());
            }
            catch (final IllegalStateException | IllegalArgumentException ex)
            {
                throw new DomainException(where + "script=" + spec.script() + ": " + ex.getMessage(), ex);
            }
        }
        final Vnic vnic;
        try
        {
            vnic = routed ? links.createVnic(vnicName, routedVif.over(), macSpec, routedVif.vid(), properties, true) :
                links.createVnic(vnicName, spec.bridge(), macSpec, spec.vlanid(), properties, true);
            links.own(vnicName, "domain " + domain.name() + " (" + vifName + "; use xl network-detach or xl destroy)");
        }
        catch (final LinkException | IllegalArgumentException ex)
        {
            if (routedVif != null)
            {
                routedVif.close();
            }
            throw new DomainException(where + ex.getMessage(), ex);
        }
        try
        {
            // The vif's own view: what the guest's device sends and receives, before and after the VNIC's checks.
            links.captures().register(vifName,
                CaptureLink.port(vnic.vnicPort().deviceIn(), vnic.vnicPort().deviceOut()));
        }
        catch (final IllegalArgumentException ex)
        {
            links.deleteOwnedVnic(vnicName);
            if (routedVif != null)
            {
                routedVif.close();
            }
            throw new DomainException(where + "vifname '" + vifName + "' is the name of a link", ex);
        }

        GuestMemory memory = null;
        VifBackend backend = null;
        try
        {
            faults.step("memory");
            // Sealed: a frontend that maps it can never change its size under the backend (SIGBUS).
            memory = GuestMemory.createSealed("dom" + domain.id() + "-vif" + devid, Netfront.GRANT_PAGES,
                Netfront.GUEST_PAGES);
            final String mac = MacAddress.format(vnic.mac());
            faults.step("backend");
            backend = new VifBackend(store, channels, HOST_DOMID, domain.id(), devid, mac, vnic.mtu(),
                vnic.overLink().switchOf().pool(), memory, device -> links.plug(vnicName, device));
            final String backendPath = XenStore.backendPath(HOST_DOMID, domain.id(), devid);
            if (spec.bridge() != null)
            {
                store.write(backendPath + "/bridge", spec.bridge());
            }
            if (routedVif != null)
            {
                store.write(backendPath + "/gatewaydev", routedVif.gatewaydev());
            }
            store.write(backendPath + "/script", "/etc/xen/scripts/" + spec.script());
            store.write(backendPath + "/vifname", vifName);
            if (!spec.ips().isEmpty())
            {
                store.write(backendPath + "/ip", String.join(" ", spec.ips()));
            }
            if (spec.rate() != null)
            {
                store.write(backendPath + "/rate", spec.rate().xenstoreValue());
            }
            final VifFrontend frontend = new VifFrontend(store, channels, HOST_DOMID, domain.id(), devid, memory);
            store.write(XenStore.frontendPath(domain.id(), devid) + "/mac", mac);
            faults.step("frontend");
            final Netfront netfront = frontend.connect(domain.guest() != null && domain.guest().takesSuperFrames());
            faults.step("connected");
            if (backend.state() != XenbusState.CONNECTED)
            {
                throw new DomainException(where + "the backend did not connect: " + backend.lastError());
            }
            final Vif vif = new Vif(devid, vifName, vnicName, vnic.mac(), spec, memory, backend, frontend, netfront,
                routedVif);
            if (natted)
            {
                routedVif.leaseTo(vnic.mac()); // vif-nat's dhcpd host entry: this MAC gets the guest's address
            }
            if (!routed && spec.mac() != null && !spec.ips().isEmpty() && vifRouter != null)
            {
                final String ip = spec.ips().get(0);
                vif.staticLease(vifRouter.staticLease(spec.bridge(), spec.mac(),
                    Ipv4Address.parse(ip.contains("/") ? ip.substring(0, ip.indexOf('/')) : ip)));
            }
            try
            {
                // vif-nat with ip=: the guest is set up as DHCP would (its prefix, the router its gateway).
                final String guestIp = spec.ips().isEmpty() ? null : natted ?
                    Ipv4Address.format(nat[0]) + "/" + nat[1] : spec.ips().get(0);
                final String gateway = natted && spec.gateway() == null && guestIp != null ?
                    Ipv4Address.format(nat[2]) : spec.gateway();
                vif.guestInterface(domain.guest().addInterface(new GuestNic(vifName, devid, netfront, vnic.mac(),
                    vnic.mtu(), guestIp, gateway)));
                if ("down".equals(vnic.state()))
                {
                    domain.guest().carrier(vif.guestInterface(), false); // its uplink is gone already
                }
            }
            catch (final IllegalStateException ex)
            {
                vif.closeFrontend();
                throw new DomainException(where + ex.getMessage(), ex);
            }
            return vif;
        }
        catch (final IOException | RuntimeException ex)
        {
            if (backend != null)
            {
                backend.close();
            }
            store.remove(XenStore.frontendPath(domain.id(), devid));
            links.captures().unregister(vifName);
            links.deleteOwnedVnic(vnicName);
            if (routedVif != null)
            {
                routedVif.close();
            }
            release(memory);
            throw ex instanceof DomainException ? (DomainException)ex :
                new DomainException(where + "cannot create: " + ex.getMessage(), ex);
        }
    }

    /**
     * vif-nat's addresses, as Xen's script computes them: the guest's ({@code ip=}, or
     * {@code 10.<domid/256>.<domid%256>.<devid+1>}), its prefix length ({@code ip=}'s, or 16), and the router's (the
     * guest's with 127 added to its last octet).
     */
    private static int[] natAddresses(final String where, final int domid, final int devid, final VifSpec spec)
    {
        if (spec.ips().size() > 1)
        {
            throw new DomainException(where + "script=vif-nat gives a guest one address; ip= has " +
                spec.ips().size());
        }
        final int guest;
        int prefixLength = 16;
        if (spec.ips().isEmpty())
        {
            if (devid + 1 + 127 > 254)
            {
                throw new DomainException(where + "script=vif-nat's default address needs devid 126 or less " +
                    "(the router's last octet is devid+128): give ip=");
            }
            guest = 10 << 24 | (domid / 256 & 0xFF) << 16 | (domid % 256) << 8 | (devid + 1);
        }
        else
        {
            final String ip = spec.ips().get(0);
            final int slash = ip.indexOf('/');
            guest = Ipv4Address.parse(slash < 0 ? ip : ip.substring(0, slash));
            if (slash >= 0)
            {
                final String length = ip.substring(slash + 1);
                if (!length.matches("[0-9]{1,2}") || Integer.parseInt(length) < 8 || Integer.parseInt(length) > 24)
                {
                    throw new DomainException(where + "script=vif-nat: ip=" + ip + ": a prefix length of 8 to 24 " +
                        "(the router's address, the guest's + 127, must be on the guest's subnet)");
                }
                prefixLength = Integer.parseInt(length);
            }
        }
        if ((guest & 0xFF) + 127 > 254 || (guest & 0xFF) == 0)
        {
            throw new DomainException(where + "script=vif-nat: the router's address is the guest's with 127 " +
                "added to its last octet, so the guest's last octet must be 1 to 127, not " + (guest & 0xFF));
        }
        return new int[] {guest, prefixLength, guest + 127};
    }

    private void detach(final Domain domain, final Vif vif, final boolean graceful)
    {
        final CompletableFuture<Void> down = domain.guest().removeInterface(vif.guestInterface());
        if (runner != null)
        {
            try
            {
                down.get(5, TimeUnit.SECONDS); // the guest thread lets go of the netfront before it closes
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
            }
            catch (final ExecutionException | TimeoutException ex)
            {
                System.getLogger(Hypervisor.class.getName()).log(System.Logger.Level.WARNING,
                    "guest " + domain.name() + " did not release " + vif.name() + ": " + ex);
            }
        }
        if (graceful)
        {
            vif.closeFrontend(); // the backend sees Closing/Closed and unplugs the netback
        }
        vif.backend().close();
        store.remove(XenStore.frontendPath(domain.id(), vif.devid()));
        links.captures().unregister(vif.name());
        // After the unplug on the switch's command queue: the port goes, and with it every frame it held.
        links.deleteOwnedVnic(vif.vnic());
        if (vif.routed() != null)
        {
            vif.routed().close(); // its routes and proxy ARP entries go with it, as vif-route's offline does
        }
        if (vif.staticLease() != null)
        {
            try
            {
                vif.staticLease().close();
            }
            catch (final Exception ex)
            {
                System.getLogger(Hypervisor.class.getName()).log(System.Logger.Level.WARNING,
                    "static DHCP lease of " + vif.name() + ": " + ex.getMessage());
            }
        }
        release(vif.memory());
    }

    private void teardown(final Domain domain, final boolean graceful)
    {
        if (runner != null)
        {
            domain.guest().running(false);
        }
        for (final Vif vif : domain.vifs())
        {
            domain.removeVif(vif.devid());
            detach(domain, vif, graceful);
        }
        store.remove("/local/domain/" + domain.id());
        if (runner != null)
        {
            threadOf(domain).remove(domain.guest());
            if (domain.runner() != null)
            {
                domain.runner().close();
            }
        }
        domain.guest().close(); // a netns guest's namespace goes
    }

    private static void release(final GuestMemory memory)
    {
        if (memory == null)
        {
            return;
        }
        try
        {
            // The mapping stays valid until it is collected, so a datapath still finishing a poll reads no freed page;
            // the memory itself goes with its last mapping.
            memory.close();
        }
        catch (final IOException ex)
        {
            System.getLogger(Hypervisor.class.getName())
                .log(System.Logger.Level.WARNING, "cannot close " + memory.file() + ": " + ex);
        }
    }

    private Domain find(final String ref)
    {
        try
        {
            final Domain byId = domains.get(Integer.parseInt(ref));
            if (byId != null)
            {
                return byId;
            }
        }
        catch (final NumberFormatException ignored)
        {
            // a name
        }
        for (final Domain d : domains.values())
        {
            if (d.name().equals(ref))
            {
                return d;
            }
        }
        return null;
    }

    private Domain guest(final String ref)
    {
        final Domain domain = domain(ref);
        if (domain.id() == HOST_DOMID)
        {
            throw new DomainException("domain 0 is the host: it cannot be changed this way");
        }
        return domain;
    }

    /**
     * Ping from inside a guest ({@code xl ping}).
     *
     * @param ref           domain name or id.
     * @param destination   IPv4 address.
     * @param count         probes.
     * @param intervalNanos between probes.
     * @param timeoutNanos  how long each probe waits.
     * @param payloadLength ICMP data bytes.
     * @return the running ping.
     */
    public Ping ping(final String ref, final int destination, final int count, final long intervalNanos,
        final long timeoutNanos, final int payloadLength)
    {
        return ping(ref, destination, 0, count, intervalNanos, timeoutNanos, payloadLength);
    }

    /**
     * Ping from inside a guest, by ICMP echo or, with a UDP port, by datagrams to a UDP echo service
     * ({@code xl ping -u PORT}).
     *
     * @param udpPort 0 for ICMP echo, else the UDP port to probe.
     * @return the running ping.
     */
    public Ping ping(final String ref, final int destination, final int udpPort, final int count,
        final long intervalNanos, final long timeoutNanos, final int payloadLength)
    {
        final Domain domain;
        synchronized (this)
        {
            domain = guest(ref);
        }
        if (runner == null)
        {
            throw new DomainException("guests do not run in this hypervisor");
        }
        if (!(domain.guest() instanceof EmulatedGuest))
        {
            throw new DomainException("xl ping runs inside emulated guests; " + domain.name() + " is a netns guest: " +
                "xl exec " + domain.name() + " -- ping ...");
        }
        final EmulatedGuest guest = (EmulatedGuest)domain.guest();
        try
        {
            return udpPort == 0 ? guest.ping(destination, count, intervalNanos, timeoutNanos, payloadLength) :
                guest.udpPing(destination, udpPort, count, intervalNanos, timeoutNanos, payloadLength);
        }
        catch (final IllegalStateException ex)
        {
            throw new DomainException(ex.getMessage());
        }
    }

    /**
     * Destroy every guest, as a host shutting down does.
     */
    @Override
    public synchronized void close()
    {
        for (final Domain d : new ArrayList<>(domains.values()))
        {
            if (d.id() != HOST_DOMID)
            {
                destroy(Integer.toString(d.id()));
            }
        }
        if (runner != null)
        {
            runner.close();
        }
        if (readiness != null)
        {
            readiness.close();
            readiness = null;
        }
    }

    /**
     * @param ref a domain's name or id.
     * @return the network namespace a netns guest runs in ({@code xl exec} runs commands there).
     */
    public synchronized String namespaceOf(final String ref)
    {
        final Domain domain = guest(ref);
        if (!(domain.guest() instanceof NetnsGuest))
        {
            throw new DomainException("domain " + domain.name() + " is not a netns guest: xl exec runs commands " +
                "inside netns guests (type = \"netns\")");
        }
        return ((NetnsGuest)domain.guest()).namespace();
    }

    /** The thread that runs a domain's guest: its own, the datapath's, or the one emulated guests share. */
    private GuestThread threadOf(final Domain domain)
    {
        return domain.guestThread() != null ? domain.guestThread() : runner;
    }

    /** Where netns guests run by the caller (tests: no runner) watch their TAPs; made with the first such guest. */
    private Readiness readiness()
    {
        if (readiness == null)
        {
            try
            {
                readiness = new Readiness("xbow-guest-io");
            }
            catch (final NativeException ex)
            {
                throw new DomainException("cannot watch guest interfaces: " + ex.getMessage(), ex);
            }
        }
        return readiness;
    }

    private static boolean isRoot()
    {
        return "root".equals(System.getProperty("user.name"));
    }
}
