package io.xbow.hypervisor;

import io.xbow.hypervisor.config.ConfigException;
import io.xbow.hypervisor.config.VifSpec;
import io.xbow.hypervisor.config.XlConfig;
import io.xbow.hypervisor.config.XlConfigParser;
import io.xbow.hypervisor.domain.Domain;
import io.xbow.hypervisor.domain.DomainException;
import io.xbow.hypervisor.domain.DomainState;
import io.xbow.hypervisor.domain.Hypervisor;
import io.xbow.hypervisor.domain.Vif;
import io.xbow.netback.frontend.Netfront;
import io.xbow.netback.xenbus.EventChannels;
import io.xbow.netback.xenbus.XenStore;
import io.xbow.netback.xenbus.XenbusState;
import io.xbow.packet.address.MacAddress;
import io.xbow.packet.build.FrameBuilder;
import io.xbow.packet.frame.FramePool;
import io.xbow.vnic.LinkException;
import io.xbow.vnic.LinkRegistry;
import io.xbow.vnic.RegistryConfig;
import io.xbow.vnic.link.Etherstub;
import io.xbow.vnic.link.Vnic;
import io.xbow.vswitch.thread.ManualDatapath;
import org.agrona.concurrent.CachedNanoClock;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Domains from xl configs: their vifs become VNICs with netbacks connected to the guests' netfronts, traffic
 * flows between guests, and destroying a domain leaves nothing behind.
 */
class HypervisorTest
{
    private final CachedNanoClock clock = new CachedNanoClock();
    private final ManualDatapath datapath = new ManualDatapath();
    private final LinkRegistry links =
        new LinkRegistry(RegistryConfig.defaults().withFramesPerSwitch(2048), datapath, clock, new SplittableRandom(3));
    private final XenStore store = new XenStore();
    private Hypervisor hv;
    private Etherstub stub;

    private Hypervisor hv()
    {
        if (hv == null)
        {
            stub = links.createEtherstub("stub0", false);
            hv = new Hypervisor(links, store, new EventChannels(), clock);
        }
        return hv;
    }

    @AfterEach
    void close()
    {
        if (hv != null)
        {
            hv.close();
        }
        links.close();
    }

    private static XlConfig config(final String name, final String vifs) throws ConfigException
    {
        return XlConfigParser.parse(name + ".cfg", "name = \"" + name + "\"\nmemory = 256\nvif = [ " + vifs + " ]\n",
            List.of());
    }

    private FramePool pool()
    {
        return stub.switchOf().pool();
    }

    private static int receive(final Netfront front)
    {
        final AtomicInteger frames = new AtomicInteger();
        front.poll((buffer, offset, length) -> frames.incrementAndGet());
        return frames.get();
    }

    private void send(final Vif from, final Vif to, final int count)
    {
        final UnsafeBuffer frame =
            new UnsafeBuffer(new FrameBuilder().ethernet(to.mac(), from.mac()).raw(0x88B5, 46).toBytes());
        for (int i = 0; i < count; i++)
        {
            assertTrue(from.netfront().send(frame, 0, frame.capacity(), 0));
        }
        datapath.runUntilIdle();
    }

    @Test
    void shouldCreateDomainsWhoseVifsCarryTrafficAndLeaveNothingWhenDestroyed() throws Exception
    {
        final Domain web = hv().create(config("web", "'bridge=stub0,mac=00:16:3e:01:02:03'"));
        final Domain db = hv().create(config("db", "'bridge=stub0'"));
        datapath.runUntilIdle();
        assertEquals(1, web.id());
        assertEquals(2, db.id());
        assertEquals(DomainState.RUNNING, web.state());
        assertEquals("r-----", web.state().xlFlags());

        final Vif a = web.vifs().get(0);
        final Vif b = db.vifs().get(0);
        assertEquals("vif1.0", a.name());
        assertEquals("xvm1_0", a.vnic());
        assertEquals(MacAddress.parse("00:16:3e:01:02:03"), a.mac());
        assertEquals(0x00163eL, b.mac() >>> 24, "an auto MAC is in the Xen OUI");
        assertEquals(XenbusState.CONNECTED, a.backendState());
        assertEquals("00:16:3e:01:02:03", store.read("/local/domain/0/backend/vif/1/0/mac"));
        assertEquals("stub0", store.read("/local/domain/0/backend/vif/1/0/bridge"));
        assertEquals("web", store.read("/local/domain/1/name"));
        assertEquals("stub0", ((Vnic)links.link("xvm2_0")).over());

        send(a, b, 3);
        assertEquals(3, receive(b.netfront()), "web's frames reach db");
        send(b, a, 1);
        assertEquals(1, receive(a.netfront()));

        // Frames wait in db's netback and rings (db does not poll) when it is destroyed: all come back.
        // db does not run (as when paused): 256 frames fill the buffers it posted, 256 wait in its netback,
        // the rest are dropped and counted on its VNIC.
        for (int i = 0; i < 4; i++)
        {
            send(a, b, 200);
        }
        assertEquals(256, pool().outstanding(), "frames are waiting for db, within bounds");
        assertEquals(800 - 512, links.stats("xvm2_0").drops(io.xbow.packet.DropReason.QUEUE_FULL),
            "and the rest are dropped and counted");
        assertTrue(guestMemories().contains("dom2-vif0"), "db's memory is a sealed memfd of this process");
        hv().destroy("db");
        datapath.runUntilIdle();
        assertThrows(LinkException.class, () -> links.link("xvm2_0"));
        assertNull(store.read("/local/domain/2/name"));
        assertNull(store.read("/local/domain/0/backend/vif/2/0/state"));
        assertFalse(guestMemories().contains("dom2-vif0"), "the guest's memory is released");
        assertThrows(DomainException.class, () -> hv().domain("db"));

        hv().shutdown("web");
        datapath.runUntilIdle();
        assertEquals(0, pool().outstanding(), "every frame is back in the pool");
        assertEquals(List.of(Hypervisor.HOST_NAME), hv().list().stream().map(Domain::name).toList());

        final Domain again = hv().create(config("db", "'bridge=stub0'"));
        assertEquals(3, again.id(), "domain ids are never reused");
    }

    @Test
    void shouldTellTheFrontendItsCarrierIsGoneWhenTheUplinkUnderItsVifFails() throws Exception
    {
        final java.util.concurrent.atomic.AtomicBoolean unplugged = new java.util.concurrent.atomic.AtomicBoolean();
        links.createPhys("net0", new io.xbow.vswitch.port.PortDevice()
        {
            @Override
            public int receive(final io.xbow.packet.frame.FrameBatch batch)
            {
                if (unplugged.get())
                {
                    throw new IllegalStateException("the interface went away");
                }
                return 0;
            }

            @Override
            public int transmit(final io.xbow.packet.frame.FrameBatch batch)
            {
                return 0;
            }
        }, new io.xbow.vnic.link.PhysicalLinkSpec(1500, 1000, 0x0200_0000_0001L, new long[0]), true);
        final Domain web = hv().create(config("web", "'bridge=net0'"));
        final String carrier = "/local/domain/0/backend/vif/" + web.id() + "/0/carrier";
        datapath.runUntilIdle();
        assertNull(store.read(carrier), "absent while the link is up, as Xen has it");
        unplugged.set(true);
        datapath.runUntilIdle();
        final long deadline = System.nanoTime() + 5_000_000_000L;
        while (store.read(carrier) == null && System.nanoTime() < deadline)
        {
            Thread.sleep(5);
        }
        assertEquals("0", store.read(carrier));
        assertEquals("down", links.link("xvm" + web.id() + "_0").state());
    }

    @Test
    void shouldTurnVifKeysIntoVnicProperties() throws Exception
    {
        final Domain d = hv().create(config("app",
            "'bridge=stub0,ip=10.0.0.5,rate=10Mb/s,vlanid=100,vifname=app-eth0'"));
        final Vif vif = d.vifs().get(0);
        assertEquals("app-eth0", vif.name());
        final Vnic vnic = (Vnic)links.link(vif.vnic());
        assertEquals(100, vnic.vid());
        assertEquals(10_000_000L, vnic.maxbwBps());
        assertEquals("10.0.0.5", vnic.allowedIps().toString());
        assertEquals("62500,50000", store.read("/local/domain/0/backend/vif/1/0/rate"));
    }

    @Test
    void shouldRefuseWhatItCannotBuildAndLeaveNothingBehind() throws Exception
    {
        final DomainException route = assertThrows(DomainException.class,
            () -> hv().create(config("r", "'bridge=stub0,script=vif-route'")));
        assertTrue(route.getMessage().contains("vif-route"), route.getMessage());
        assertTrue(assertThrows(DomainException.class, () -> hv().create(config("n", "'mac=00:16:3e:0:0:9'")))
            .getMessage().contains("bridge"));
        // The second vif's link does not exist: the first vif's VNIC, netback and memory go again.
        final DomainException missing = assertThrows(DomainException.class,
            () -> hv().create(config("m", "'bridge=stub0', 'bridge=nosuch0'")));
        assertTrue(missing.getMessage().startsWith("vif 1: "), missing.getMessage());
        datapath.runUntilIdle();
        assertTrue(links.vnics(null).isEmpty(), "no VNIC left: " + links.vnics(null));
        assertEquals(0, pool().outstanding());
        assertEquals(1, hv().list().size());
        assertNull(store.read("/local/domain/0/backend/vif/1/0/state"));

        hv().create(config("dup", "'bridge=stub0,mac=00:16:3e:0:0:1'"));
        assertThrows(DomainException.class, () -> hv().create(config("dup", "")));
        final DomainException sameMac = assertThrows(DomainException.class,
            () -> hv().create(config("other", "'bridge=stub0,mac=00:16:3e:0:0:1'")));
        assertTrue(sameMac.getMessage().startsWith("vif 0: "), sameMac.getMessage());
        assertThrows(DomainException.class, () -> hv().destroy("0"), "the host is not destroyed");
        assertThrows(DomainException.class, () -> hv().destroy("nosuch"));
    }

    @Test
    void shouldRollBackAFailureAtEachStepOfAVif() throws Exception
    {
        hv().create(config("peer", "'bridge=stub0,mac=00:16:3e:0:0:1'"));
        datapath.runUntilIdle();
        final int baseline = pool().outstanding();
        final List<String> memories = guestMemories(); // the peer's, and what other tests in this JVM still hold
        for (final String step : List.of("memory", "backend", "frontend", "connected"))
        {
            hv().faults(name ->
            {
                if (name.equals(step))
                {
                    throw new IllegalStateException("injected at " + step);
                }
            });
            // The first vif comes up; the second fails at this step: both must go.
            final DomainException ex = assertThrows(DomainException.class,
                () -> hv().create(config("web", "'bridge=stub0', 'bridge=stub0,mac=00:16:3e:0:0:2'")), step);
            assertTrue(ex.getMessage().contains("injected at " + step), ex.getMessage());
            hv().faults(name -> { });
            datapath.runUntilIdle();
            assertEquals(List.of("xvm1_0"), links.vnics(null).stream().map(v -> v.name()).toList(), step);
            assertEquals(List.of("1"), store.list("/local/domain/0/backend/vif"), step);
            assertEquals(List.of("0", "1"), store.list("/local/domain"), step);
            assertEquals(baseline, pool().outstanding(), step);
            assertEquals(memories, guestMemories(), step);
        }
        // And nothing stops the same domain from coming up afterwards.
        assertEquals(2, hv().create(config("web", "'bridge=stub0', 'bridge=stub0,mac=00:16:3e:0:0:2'")).vifs()
            .size());
    }

    @Test
    void shouldCreateAndDestroyManyDomainsWithoutLeaks() throws Exception
    {
        for (int round = 0; round < 3; round++)
        {
            for (int i = 0; i < 30; i++)
            {
                hv().create(config("d" + i, "'bridge=stub0', 'bridge=stub0,vlanid=" + (100 + i % 3) + "'"));
            }
            datapath.runUntilIdle();
            assertEquals(60, links.vnics(null).size());
            for (int i = 0; i < 30; i++)
            {
                if (i % 2 == 0)
                {
                    hv().destroy("d" + i);
                }
                else
                {
                    hv().shutdown("d" + i);
                }
            }
            datapath.runUntilIdle();
            assertTrue(links.vnics(null).isEmpty());
            assertEquals(0, pool().outstanding());
            assertEquals(List.of("0"), store.list("/local/domain"));
        }
        assertEquals(91, hv().create(config("last", "")).id(), "ids keep counting");
    }

    @Test
    void shouldAttachAndDetachVifsOnARunningDomain() throws Exception
    {
        final Domain d = hv().create(config("web", "'bridge=stub0'"));
        final Domain peer = hv().create(config("peer", "'bridge=stub0'"));
        final Vif second = hv().networkAttach("web", VifSpec.parse("bridge=stub0,mac=00:16:3e:aa:bb:cc"));
        assertEquals(1, second.devid());
        assertEquals("vif1.1", second.name());
        assertEquals(XenbusState.CONNECTED, second.backendState());
        datapath.runUntilIdle();
        send(peer.vifs().get(0), second, 2);
        assertEquals(2, receive(second.netfront()));

        hv().networkDetach("1", "00:16:3e:aa:bb:cc");
        datapath.runUntilIdle();
        assertEquals(1, d.vifs().size());
        assertThrows(LinkException.class, () -> links.link("xvm1_1"));
        assertThrows(DomainException.class, () -> hv().networkDetach("web", "7"));
        hv().networkDetach("web", "0");
        assertTrue(d.vifs().isEmpty());
        assertEquals(0, hv().networkAttach("web", VifSpec.parse("bridge=stub0")).devid(), "devids count from the highest in use");
    }

    @Test
    void shouldPauseAndUnpause() throws Exception
    {
        hv().create(config("web", "'bridge=stub0'"));
        hv().pause("web");
        assertEquals(DomainState.PAUSED, hv().domain("1").state());
        assertEquals("--p---", hv().domain("web").state().xlFlags());
        hv().unpause("web");
        assertEquals(DomainState.RUNNING, hv().domain("web").state());
        final Domain rebooted = hv().reboot("web");
        assertEquals(2, rebooted.id());
        assertEquals("web", rebooted.name());
        assertEquals(1, rebooted.vifs().size());
    }

    /**
     * The guest memories this process holds: its sealed memfds, {@code memfd:xbow-NAME (deleted)} in /proc (each
     * held by two descriptors: the memfd and the channel that maps it), by name.
     */
    static List<String> guestMemories() throws java.io.IOException
    {
        try (var fds = Files.list(Path.of("/proc/self/fd")))
        {
            return fds.map(fd ->
            {
                try
                {
                    return Files.readSymbolicLink(fd).toString();
                }
                catch (final java.io.IOException closedMeanwhile)
                {
                    return "";
                }
            }).filter(target -> target.startsWith("/memfd:xbow-dom"))
                .map(target -> target.substring("/memfd:xbow-".length()).replace(" (deleted)", ""))
                .distinct().sorted().toList();
        }
    }
}
