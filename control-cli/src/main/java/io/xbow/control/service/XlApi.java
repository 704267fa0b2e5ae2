package io.xbow.control.service;

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

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * The xl commands as the API serves them. {@code create} takes the config's text (the client reads the file, so
 * relative paths and the caller's permissions work as with xl). Running domains do not survive a daemon restart,
 * as they do not survive a host reboot, so nothing of them is written to the state directory.
 */
public final class XlApi implements CommandApi
{
    /** The subcommands the API serves. */
    public static final Set<String> COMMANDS = Set.of("namespace", "create", "list", "destroy", "shutdown", "reboot", "pause",
        "unpause", "network-attach", "network-detach", "network-list", "domid", "domname", "uptime", "ping");

    /** Longest ping the API runs (count times interval, plus the timeout): inside the client's 60 s wait. */
    public static final long MAX_PING_NANOS = 50_000_000_000L;

    /** Domain-0's Mem column: the host's memory, as xl shows dom0's. */
    private static final long HOST_MEMORY_MB = ((com.sun.management.OperatingSystemMXBean)
        java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getTotalMemorySize() >> 20;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Hypervisor hypervisor;

    /**
     * @param hypervisor the domains.
     */
    public XlApi(final Hypervisor hypervisor)
    {
        this.hypervisor = hypervisor;
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
        final int udpPort = a.integer("udpPort") == null ? 0 : a.integer("udpPort");
        if (udpPort < 0 || udpPort > 65535 || (udpPort > 0 && size < 2))
        {
            throw new IllegalArgumentException("invalid UDP ping: a port from 1 to 65535, and at least 2 bytes " +
                "(the probe carries its sequence number)");
        }
        if (count < 1 || intervalMs < 1 || timeoutMs < 1 || size < 0 || size > 1472 ||
            (count * intervalMs + timeoutMs) * 1_000_000L > MAX_PING_NANOS)
        {
            throw new IllegalArgumentException("invalid ping: count >= 1, interval and timeout >= 1 ms, size 0 to " +
                "1472 bytes, at most 50 s in all (count x interval + timeout)");
        }
        final Ping ping = hypervisor.ping(a.required("domain"), destination, udpPort, count, intervalMs * 1_000_000L,
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
            case "list": return a.flag("json") ? listJson(a.string("domain")) :
                list(a.string("domain"), a.flag("long"));
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
            case "namespace":
                return new Table(List.of("NAMESPACE"), List.of(List.of(hypervisor.namespaceOf(a.required("domain")))));
            default:
                throw new UnknownCommandException(command);
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
        if (a.flag("dryRun"))
        {
            // xl create -n: the configuration as libxl would build it, and nothing created.
            final List<Map<String, Object>> nics = new ArrayList<>();
            for (int devid = 0; devid < config.vifs().size(); devid++)
            {
                final VifSpec spec = config.vifs().get(devid);
                nics.add(nic(spec, devid, spec.mac() == null ? 0 : spec.mac()));
            }
            final UUID uuid = config.uuid() != null ? config.uuid() : UUID.randomUUID();
            final List<List<String>> rows = new ArrayList<>();
            try
            {
                rows.add(List.of("", JSON.writeValueAsString(domainConfig(config, config.name(), uuid, nics)), ""));
            }
            catch (final JsonProcessingException ex)
            {
                throw new IllegalStateException(ex);
            }
            for (final String warning : config.warnings())
            {
                rows.add(List.of("", "", warning));
            }
            return new Table(List.of("DOMID", "CONFIG", "WARNING"), rows);
        }
        final Domain domain = hypervisor.create(config, a.flag("paused"));
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

    /**
     * {@code xl list -l}: per domain its configuration as libxl's {@code libxl_domain_config} JSON (field names of
     * libxl_types.idl), so that what reads xl's output reads ours. Domain-0 has no stored configuration and is left
     * out, as libxl leaves out a domain whose configuration it cannot retrieve.
     */
    private Table listJson(final String ref)
    {
        final List<List<String>> rows = new ArrayList<>();
        for (final Domain d : domains(ref))
        {
            if (d.config() == null)
            {
                continue;
            }
            try
            {
                rows.add(List.of(Integer.toString(d.id()), JSON.writeValueAsString(domainConfig(d))));
            }
            catch (final JsonProcessingException ex)
            {
                throw new IllegalStateException(ex);
            }
        }
        return new Table(List.of("DOMID", "CONFIG"), rows);
    }

    private static Map<String, Object> domainConfig(final Domain d)
    {
        final List<Map<String, Object>> nics = new ArrayList<>();
        for (final Vif vif : d.vifs())
        {
            nics.add(nic(vif.spec(), vif.devid(), vif.mac()));
        }
        return domainConfig(d.config(), d.name(), d.uuid(), nics);
    }

    /** A vif as libxl_device_nic's JSON has it; a MAC not given yet (a dry run) is zeros, as libxl leaves it. */
    private static Map<String, Object> nic(final VifSpec spec, final int devid, final long mac)
    {
        final Map<String, Object> nic = new LinkedHashMap<>();
        nic.put("backend_domid", Hypervisor.HOST_DOMID);
        nic.put("devid", devid);
        putIfSet(nic, "model", spec.model());
        nic.put("mac", xenMac(mac));
        putIfSet(nic, "ip", spec.ips().isEmpty() ? null : String.join(" ", spec.ips()));
        putIfSet(nic, "bridge", spec.bridge());
        putIfSet(nic, "ifname", spec.vifname());
        nic.put("script", spec.script());
        nic.put("nictype", "ioemu".equals(spec.type()) ? "vif_ioemu" : "vif");
        if (spec.rate() != null)
        {
            nic.put("rate_bytes_per_interval", spec.rate().bytesPerSecond() * spec.rate().intervalUs() / 1_000_000);
            nic.put("rate_interval_usecs", spec.rate().intervalUs());
        }
        return nic;
    }

    private static Map<String, Object> domainConfig(final XlConfig c, final String name, final UUID uuid,
        final List<Map<String, Object>> nics)
    {
        final Map<String, Object> others = new LinkedHashMap<>(c.others());
        final Map<String, Object> cInfo = new LinkedHashMap<>();
        cInfo.put("type", c.type());
        cInfo.put("name", name);
        cInfo.put("uuid", uuid.toString());
        final Map<String, Object> bInfo = new LinkedHashMap<>();
        bInfo.put("max_vcpus", c.vcpus());
        final List<Integer> vcpus = new ArrayList<>();
        for (int i = 0; i < c.vcpus(); i++)
        {
            vcpus.add(i);
        }
        bInfo.put("avail_vcpus", vcpus);
        bInfo.put("max_memkb", c.maxmemMb() * 1024L);
        bInfo.put("target_memkb", c.memoryMb() * 1024L);
        // What xl reads into libxl_domain_build_info from settings xbow keeps but does not act on.
        moveString(others, "kernel", bInfo, "kernel");
        moveString(others, "ramdisk", bInfo, "ramdisk");
        final String cmdline = cmdline(others);
        putIfSet(bInfo, "cmdline", cmdline);
        if (others.get("bootloader") instanceof String && !"hvm".equals(c.type()))
        {
            final Map<String, Object> pv = new LinkedHashMap<>();
            moveString(others, "bootloader", pv, "bootloader");
            bInfo.put("type." + ("pvh".equals(c.type()) ? "pvh" : "pv"), pv);
        }
        final List<Map<String, Object>> disks = disks(others);
        final Map<String, Object> config = new LinkedHashMap<>();
        config.put("c_info", cInfo);
        config.put("b_info", bInfo);
        if (!disks.isEmpty())
        {
            config.put("disks", disks);
        }
        config.put("nics", nics);
        config.put("on_poweroff", libxlAction(c.onPoweroff()));
        config.put("on_reboot", libxlAction(c.onReboot()));
        config.put("on_watchdog", "destroy");
        config.put("on_crash", libxlAction(c.onCrash()));
        config.put("on_soft_reset", "soft_reset");
        if (!others.isEmpty())
        {
            // Not libxl's: the settings xl would act on and xbow does not (a disk, a kernel for HVM, ...), kept.
            config.put("xbow_unused_settings", others);
        }
        return config;
    }

    private static void moveString(final Map<String, Object> from, final String key, final Map<String, Object> to,
        final String field)
    {
        if (from.get(key) instanceof String)
        {
            to.put(field, from.remove(key));
        }
    }

    /** xl's kernel command line: {@code cmdline}, or {@code root=ROOT EXTRA} from {@code root} and {@code extra}. */
    private static String cmdline(final Map<String, Object> others)
    {
        if (others.get("cmdline") instanceof String)
        {
            others.remove("root");
            others.remove("extra");
            return (String)others.remove("cmdline");
        }
        final String root = others.get("root") instanceof String ? (String)others.remove("root") : null;
        final String extra = others.get("extra") instanceof String ? (String)others.remove("extra") : null;
        if (root == null && extra == null)
        {
            return null;
        }
        return root == null ? extra : extra == null ? "root=" + root : "root=" + root + " " + extra;
    }

    /**
     * {@code disk = [ 'phy:/dev/vg/web,xvda,w', 'format=qcow2, vdev=xvdb, target=/img/b.qcow2' ]} as
     * libxl_device_disk: the positional forms {@code TARGET,VDEV,ACCESS} and {@code TARGET,FORMAT,VDEV,ACCESS} and
     * the keyed one. A list that does not read so stays among the unused settings as it was written.
     */
    private static List<Map<String, Object>> disks(final Map<String, Object> others)
    {
        if (!(others.get("disk") instanceof List))
        {
            return List.of();
        }
        final List<Map<String, Object>> disks = new ArrayList<>();
        for (final Object entry : (List<?>)others.get("disk"))
        {
            if (!(entry instanceof String))
            {
                return List.of();
            }
            final Map<String, String> keyed = new LinkedHashMap<>();
            final List<String> positional = new ArrayList<>();
            for (final String part : ((String)entry).split(","))
            {
                final String field = part.trim();
                final int eq = field.indexOf('=');
                if (eq > 0 && !field.startsWith("/"))
                {
                    keyed.put(field.substring(0, eq).trim(), field.substring(eq + 1).trim());
                }
                else
                {
                    positional.add(field);
                }
            }
            if (positional.size() == 3 || positional.size() == 4)
            {
                keyed.putIfAbsent("target", positional.get(0));
                if (positional.size() == 4)
                {
                    keyed.putIfAbsent("format", positional.get(1));
                }
                keyed.putIfAbsent("vdev", positional.get(positional.size() - 2));
                keyed.putIfAbsent("access", positional.get(positional.size() - 1));
            }
            else if (!positional.isEmpty() && !(positional.size() == 1 && positional.get(0).isEmpty()))
            {
                return List.of();
            }
            if (!keyed.containsKey("vdev"))
            {
                return List.of();
            }
            String target = keyed.getOrDefault("target", "");
            for (final String prefix : List.of("phy:", "file:", "tap:aio:", "aio:", "tap:qcow2:", "qcow2:"))
            {
                if (target.startsWith(prefix))
                {
                    target = target.substring(prefix.length());
                    break;
                }
            }
            final Map<String, Object> disk = new LinkedHashMap<>();
            disk.put("backend_domid", Hypervisor.HOST_DOMID);
            disk.put("pdev_path", target);
            disk.put("vdev", keyed.get("vdev"));
            disk.put("format", keyed.getOrDefault("format", "raw"));
            final String access = keyed.getOrDefault("access", "rw");
            disk.put("readwrite", access.equals("w") || access.equals("rw") ? 1 : 0);
            if ("cdrom".equals(keyed.get("devtype")))
            {
                disk.put("is_cdrom", 1);
            }
            disks.add(disk);
        }
        others.remove("disk");
        return disks;
    }

    private static void putIfSet(final Map<String, Object> map, final String key, final Object value)
    {
        if (value != null)
        {
            map.put(key, value);
        }
    }

    /** xl.cfg's action names as libxl_action_on_shutdown spells them. */
    private static String libxlAction(final String action)
    {
        return action.equals("rename-restart") ? "restart_rename" : action.replace('-', '_');
    }

    /** libxl's MAC form: six two-digit lower-case hex bytes. */
    static String xenMac(final long mac)
    {
        final StringBuilder sb = new StringBuilder(17);
        for (int shift = 40; shift >= 0; shift -= 8)
        {
            sb.append(String.format(Locale.ROOT, "%02x", (mac >>> shift) & 0xff)).append(shift > 0 ? ":" : "");
        }
        return sb.toString();
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
