package io.xbow.control.service;

import io.xbow.control.store.AtomicFile;
import io.xbow.hypervisor.config.ConfigException;
import io.xbow.hypervisor.config.VifSpec;
import io.xbow.hypervisor.config.XlConfig;
import io.xbow.hypervisor.config.XlConfigParser;
import io.xbow.hypervisor.domain.Domain;
import io.xbow.hypervisor.domain.Hypervisor;
import io.xbow.hypervisor.domain.Vif;
import io.xbow.hypervisor.guest.Ping;
import io.xbow.packet.address.Ipv4Address;
import io.xbow.netback.xenbus.XenStore;
import io.xbow.packet.address.MacAddress;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * The xl commands as the API serves them. {@code create} takes the config's text (the client reads the file, so
 * relative paths and the caller's permissions work as with xl) and keeps a copy in the state directory's
 * {@code domains/} folder; running domains do not survive a daemon restart, as they do not survive a host reboot.
 */
public final class XlApi implements CommandApi
{
    /** The subcommands the API serves. */
    public static final Set<String> COMMANDS = Set.of("create", "list", "destroy", "shutdown", "reboot", "pause",
        "unpause", "network-attach", "network-detach", "network-list", "domid", "domname", "uptime", "ping");

    /** Longest ping the API runs (count times interval, plus the timeout): inside the client's 60 s wait. */
    public static final long MAX_PING_NANOS = 50_000_000_000L;

    /** Domain-0's Mem column: the host's memory, as xl shows dom0's. */
    private static final long HOST_MEMORY_MB = ((com.sun.management.OperatingSystemMXBean)
        java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getTotalMemorySize() >> 20;

    private final Hypervisor hypervisor;
    private final Path configDirectory;

    /**
     * @param hypervisor      the domains.
     * @param configDirectory where domain configs are kept.
     */
    public XlApi(final Hypervisor hypervisor, final Path configDirectory)
    {
        this.hypervisor = hypervisor;
        this.configDirectory = configDirectory;
    }

    @Override
    public CompletableFuture<Table> callAsync(final String command, final Map<String, Object> args)
    {
        if (!command.equals("ping"))
        {
            return CommandApi.super.callAsync(command, args);
        }
        final ApiArgs a = new ApiArgs(args);
        final int destination;
        try
        {
            destination = Ipv4Address.parse(a.required("address"));
        }
        catch (final IllegalArgumentException ex)
        {
            throw new IllegalArgumentException("invalid address '" + a.string("address") + "': " + ex.getMessage());
        }
        final int count = a.integer("count") == null ? 3 : a.integer("count");
        final long intervalMs = a.integer("intervalMs") == null ? 1000 : a.integer("intervalMs");
        final long timeoutMs = a.integer("timeoutMs") == null ? 1000 : a.integer("timeoutMs");
        final int size = a.integer("size") == null ? 56 : a.integer("size");
        if (count < 1 || intervalMs < 1 || timeoutMs < 1 || size < 0 || size > 1472 ||
            (count * intervalMs + timeoutMs) * 1_000_000L > MAX_PING_NANOS)
        {
            throw new IllegalArgumentException("invalid ping: count >= 1, interval and timeout >= 1 ms, size 0 to " +
                "1472 bytes, at most 50 s in all (count x interval + timeout)");
        }
        final Ping ping = hypervisor.ping(a.required("domain"), destination, count, intervalMs * 1_000_000L,
            timeoutMs * 1_000_000L, size);
        return ping.result().thenApply(lines ->
        {
            final List<List<String>> rows = new ArrayList<>();
            for (final String line : lines)
            {
                rows.add(List.of(line));
            }
            return new Table(List.of("LINE"), rows);
        });
    }

    @Override
    public Table call(final String command, final Map<String, Object> args)
    {
        final ApiArgs a = new ApiArgs(args);
        switch (command)
        {
            case "create": return create(a);
            case "list": return list(a.string("domain"), a.flag("long"));
            case "destroy":
                hypervisor.destroy(a.required("domain"));
                return null;
            case "shutdown":
                hypervisor.shutdown(a.required("domain"));
                return null;
            case "reboot":
                final Domain rebooted = hypervisor.reboot(a.required("domain"));
                return new Table(List.of("DOMID", "NAME"), List.of(List.of(Integer.toString(rebooted.id()),
                    rebooted.name())));
            case "pause":
                hypervisor.pause(a.required("domain"));
                return null;
            case "unpause":
                hypervisor.unpause(a.required("domain"));
                return null;
            case "network-attach":
                final Vif vif = hypervisor.networkAttach(a.required("domain"), VifSpec.parse(a.required("spec")));
                return new Table(List.of("IDX", "NAME", "VNIC", "MAC"), List.of(List.of(
                    Integer.toString(vif.devid()), vif.name(), vif.vnic(), MacAddress.format(vif.mac()))));
            case "network-detach":
                hypervisor.networkDetach(a.required("domain"), a.required("device"));
                return null;
            case "network-list": return networkList(a.required("domain"));
            case "domid":
                return new Table(List.of("DOMID"),
                    List.of(List.of(Integer.toString(hypervisor.domain(a.required("domain")).id()))));
            case "domname":
                return new Table(List.of("NAME"), List.of(List.of(hypervisor.domain(a.required("domain")).name())));
            case "uptime": return uptime(a.string("domain"));
            case "ping": return callAsync(command, args).join();
            default:
                throw new IllegalArgumentException("unknown subcommand '" + command + "'");
        }
    }

    private Table create(final ApiArgs a)
    {
        final String source = a.required("source");
        final XlConfig config;
        try
        {
            config = XlConfigParser.parse(source, a.required("text"), new ArrayList<>(a.strings("overrides")));
        }
        catch (final ConfigException ex)
        {
            throw new IllegalArgumentException(ex.getMessage(), ex);
        }
        final Domain domain = hypervisor.create(config);
        try
        {
            AtomicFile.write(configDirectory.resolve(domain.name() + ".cfg"), a.required("text"));
        }
        catch (final IOException ex)
        {
            hypervisor.destroy(Integer.toString(domain.id()));
            throw new UncheckedIOException("cannot keep the domain config: " + ex.getMessage(), ex);
        }
        final List<List<String>> rows = new ArrayList<>();
        rows.add(List.of(Integer.toString(domain.id()), domain.name(), ""));
        for (final String warning : config.warnings())
        {
            rows.add(List.of("", "", warning));
        }
        return new Table(List.of("DOMID", "NAME", "WARNING"), rows);
    }

    private List<Domain> domains(final String ref)
    {
        return ref == null ? hypervisor.list() : List.of(hypervisor.domain(ref));
    }

    private Table list(final String ref, final boolean long_)
    {
        final long now = hypervisor.nanoTime();
        final List<String> columns = new ArrayList<>(List.of("NAME", "ID", "MEM", "VCPUS", "STATE", "TIME"));
        if (long_)
        {
            columns.addAll(List.of("UUID", "TYPE", "VIFS"));
        }
        final List<List<String>> rows = new ArrayList<>();
        for (final Domain d : domains(ref))
        {
            final boolean host = d.id() == Hypervisor.HOST_DOMID;
            final List<String> row = new ArrayList<>(List.of(d.name(), Integer.toString(d.id()),
                Long.toString(host ? HOST_MEMORY_MB : d.memoryMb()),
                Integer.toString(host ? Runtime.getRuntime().availableProcessors() : d.vcpus()), d.state().xlFlags(),
                String.format(Locale.ROOT, "%.1f", d.uptimeSeconds(now))));
            if (long_)
            {
                final List<String> vifs = new ArrayList<>();
                for (final Vif vif : d.vifs())
                {
                    vifs.add(vif.name() + "=" + vif.vnic() + "@" + MacAddress.format(vif.mac()));
                }
                row.addAll(List.of(d.uuid().toString(), d.config() == null ? "host" : d.config().type(),
                    String.join(" ", vifs)));
            }
            rows.add(row);
        }
        return new Table(columns, rows);
    }

    private Table networkList(final String ref)
    {
        final Domain d = hypervisor.domain(ref);
        final XenStore store = hypervisor.store();
        final List<List<String>> rows = new ArrayList<>();
        for (final Vif vif : d.vifs())
        {
            final String front = XenStore.frontendPath(d.id(), vif.devid());
            final String back = XenStore.backendPath(Hypervisor.HOST_DOMID, d.id(), vif.devid());
            rows.add(List.of(Integer.toString(vif.devid()), Integer.toString(Hypervisor.HOST_DOMID),
                MacAddress.format(vif.mac()), Integer.toString(vif.devid()),
                Integer.toString(vif.backendState().value()), orMinusOne(store.read(front + "/event-channel")),
                orMinusOne(store.read(front + "/tx-ring-ref")), orMinusOne(store.read(front + "/rx-ring-ref")),
                back));
        }
        return new Table(List.of("IDX", "BE", "MAC", "HANDLE", "STATE", "EVTCH", "TXREF", "RXREF", "BEPATH"), rows);
    }

    private static String orMinusOne(final String value)
    {
        return value == null ? "-1" : value;
    }

    private Table uptime(final String ref)
    {
        final long now = hypervisor.nanoTime();
        final List<List<String>> rows = new ArrayList<>();
        for (final Domain d : domains(ref))
        {
            rows.add(List.of(d.name(), Integer.toString(d.id()),
                Long.toString((long)d.uptimeSeconds(now))));
        }
        return new Table(List.of("NAME", "ID", "UPTIME"), rows);
    }
}
