package io.xbow.control.daemon;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.xbow.control.api.ApiClient;
import io.xbow.control.api.ApiServer;
import io.xbow.control.capture.CaptureService;
import io.xbow.control.capture.filter.CaptureFilter;
import io.xbow.control.cli.InDaemonCli;
import io.xbow.control.metrics.LinkMetrics;
import io.xbow.control.service.DladmApi;
import io.xbow.control.service.DladmService;
import io.xbow.control.service.RouterApi;
import io.xbow.control.service.RouterService;
import io.xbow.control.service.XlApi;
import io.xbow.control.store.ConfigException;
import io.xbow.control.store.ConfigStore;
import io.xbow.hypervisor.domain.Hypervisor;
import io.xbow.hypervisor.guest.NetnsGuest;
import io.xbow.hypervisor.guest.GuestRunner;
import io.xbow.netback.xenbus.EventChannels;
import io.xbow.netback.xenbus.XenStore;
import io.xbow.packet.filter.BpfMachine;
import io.xbow.vnic.LinkRegistry;
import io.xbow.vnic.RegistryConfig;
import io.xbow.vswitch.capture.CaptureSession;
import io.xbow.vswitch.capture.FrameFilter;
import io.xbow.vswitch.thread.ThreadedDatapath;
import io.xbow.hypervisor.guest.DatapathGuests;
import io.xbow.hostif.sys.NativeException;
import io.xbow.hostif.io.Readiness;
import org.agrona.DirectBuffer;
import org.agrona.concurrent.SystemNanoClock;

import java.io.IOException;
import java.security.SecureRandom;
import java.util.SplittableRandom;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Set;

/**
 * The xbow daemon: owns the datapath and the configuration, and serves the API. Start with {@link #start()},
 * stop with {@link #close()} (also on SIGTERM): the API stops, the links go down, the socket file goes away; the
 * configuration is already on disk, since every change was written before it was acknowledged.
 */
public final class Xbowd implements AutoCloseable
{
    private final Path socket;
    private final Path stateDirectory;
    private final String listen;
    private final Path tokenFile;
    private final boolean allowRemote;
    private final String version;
    /** In the state directory: held locked (flock) while a daemon uses the directory. */
    static final String LOCK_FILE = ".lock";
    private static final System.Logger LOG = System.getLogger(Xbowd.class.getName());

    private FileChannel stateLock;
    private LinkRegistry registry;
    private HostUplinks uplinks;
    private Readiness datapathIo;
    private boolean netnsGuestsOnDatapath = true;
    private long pollNs;
    private boolean endpointIndependentFiltering;
    private int natConnections = io.xbow.control.service.NatService.DEFAULT_CONNECTIONS;
    private Hypervisor hypervisor;
    private RouterService router;
    private CaptureService captures;
    private ApiServer server;

    /**
     * @param socket         the Unix domain socket.
     * @param stateDirectory where the configuration lives.
     * @param listen         {@code host:port} for the TCP API, or null.
     * @param tokenFile      the bearer token for the TCP API, or null.
     * @param allowRemote    allow a non-loopback TCP address.
     * @param version        reported by {@code /v1/version}.
     */
    public Xbowd(final Path socket, final Path stateDirectory, final String listen, final Path tokenFile,
        final boolean allowRemote, final String version)
    {
        this.socket = socket;
        this.stateDirectory = stateDirectory;
        this.listen = listen;
        this.tokenFile = tokenFile;
        this.allowRemote = allowRemote;
        this.version = version;
    }

    /**
     * @throws DaemonException with a one-line reason when the daemon cannot start.
     */
    public void start()
    {
        try
        {
            createPrivateDirectory(stateDirectory);
            Paths.ensureOwnRuntimeDirectory(socket);
            Files.createDirectories(socket.toAbsolutePath().getParent());
        }
        catch (final IOException ex)
        {
            throw new DaemonException("cannot create " + ex.getMessage());
        }
        clearStaleSocket();
        lockStateDirectory();
        try
        {
            startLocked();
        }
        catch (final RuntimeException ex)
        {
            unlockStateDirectory();
            throw ex;
        }
    }

    private void startLocked()
    {
        final InetSocketAddress tcp = listen == null ? null : tcpAddress();
        final byte[] token = listen == null ? null : readToken();

        // The datapath thread sleeps in the epoll where the uplinks' and netns guests' descriptors are watched: a
        // frame arriving wakes it directly (see DatapathGuests for what that saves).
        datapathIo = datapathReadiness();
        final ThreadedDatapath datapath = new ThreadedDatapath("xbow-datapath", datapathIo, pollNs);
        uplinks = new HostUplinks(datapathIo);
        registry = new LinkRegistry(RegistryConfig.defaults(), datapath,
            SystemNanoClock.INSTANCE, new SplittableRandom(new SecureRandom().nextLong()), uplinks);
        final DladmService service = new DladmService(registry, new ConfigStore(stateDirectory));
        router = new RouterService(registry, ConfigStore.l3(stateDirectory), () -> { });
        router.nat().endpointIndependentFiltering(endpointIndependentFiltering);
        router.nat().maxConnections(natConnections);
        try
        {
            service.restore();
            router.restore(); // addresses stand on links: after them
        }
        catch (final ConfigException ex)
        {
            registry.close();
            throw new DaemonException(ex.getMessage());
        }
        // Guest memory is sealed anonymous memory now, gone with the process; what daemons of earlier versions that
        // were killed with -9 left in /dev/shm is removed here.
        final Path shm = Path.of("/dev/shm");
        GuestMemoryDirectory.removeStale(Files.isDirectory(shm) ? shm : stateDirectory);
        if ("root".equals(System.getProperty("user.name")))
        {
            // The namespaces of netns guests of a daemon killed with -9 (their TAPs went with its descriptors).
            for (final String gone : NetnsGuest.removeLeftovers())
            {
                LOG.log(System.Logger.Level.INFO, "removed network namespace " + gone + " of a daemon that is gone");
            }
        }
        hypervisor = new Hypervisor(registry, new XenStore(), new EventChannels(), SystemNanoClock.INSTANCE,
            new GuestRunner("xbow-guests", SystemNanoClock.INSTANCE));
        hypervisor.routeVifsWith(router.routedVifs()); // Xen's vif-route: the router's side of routed vifs
        if (datapathIo != null && netnsGuestsOnDatapath)
        {
            final DatapathGuests guests = new DatapathGuests(SystemNanoClock.INSTANCE, datapath.thread(), datapathIo);
            datapath.add(guests);
            hypervisor.runNetnsGuestsOn(guests);
        }
        final PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        final LinkMetrics linkMetrics = new LinkMetrics(metrics, registry);
        linkMetrics.alsoSync(new io.xbow.control.metrics.RouterMetrics(metrics, router)::sync);
        server = new ApiServer(Map.of("dladm", new DladmApi(service),
            "xl", new XlApi(hypervisor), "router", new RouterApi(router)),
            metrics, linkMetrics, version);
        captures = new CaptureService(registry.captures(), Xbowd::compileFilter, CaptureSession.DEFAULT_RING_BYTES);
        captures.bindTo(metrics);
        server.captures(captures);
        final ApiServer api = server;
        server.commandLines(new InDaemonCli(api::callInOrder));
        try
        {
            server.listenUnix(socket.toString());
            protectSocket();
            if (tcp != null)
            {
                server.listenTcp(tcp, token);
            }
        }
        catch (final Exception ex)
        {
            close();
            throw new DaemonException("cannot listen: " + ex.getMessage());
        }
    }

    private static void createPrivateDirectory(final Path directory) throws IOException
    {
        if (!Files.isDirectory(directory))
        {
            Files.createDirectories(directory);
            Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwx------"));
        }
    }

    /**
     * One daemon per state directory: a second one would overwrite the first one's configuration. The lock is the
     * kernel's (it goes with the process, kill -9 included), on a file that stays.
     */
    private void lockStateDirectory()
    {
        final Path file = stateDirectory.resolve(LOCK_FILE);
        try
        {
            stateLock = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
            final FileLock lock = stateLock.tryLock();
            if (lock == null)
            {
                unlockStateDirectory();
                throw new DaemonException("state directory " + stateDirectory + " is in use by another xbowd");
            }
        }
        catch (final OverlappingFileLockException ex)
        {
            unlockStateDirectory();
            throw new DaemonException("state directory " + stateDirectory + " is in use by another xbowd");
        }
        catch (final IOException ex)
        {
            unlockStateDirectory();
            throw new DaemonException("cannot lock " + file + ": " + ex.getMessage());
        }
    }

    private void unlockStateDirectory()
    {
        if (stateLock != null)
        {
            try
            {
                stateLock.close(); // releases the lock
            }
            catch (final IOException ignored)
            {
                // closing a lock file cannot lose anything
            }
            stateLock = null;
        }
    }

    /** Replaces a socket left by a daemon that was killed; never removes anything that is not a socket. */
    private void clearStaleSocket()
    {
        if (!Files.exists(socket, LinkOption.NOFOLLOW_LINKS))
        {
            return;
        }
        if (!isSocket(socket))
        {
            throw new DaemonException(socket + " exists and is not a socket; refusing to replace it");
        }
        try (ApiClient client = new ApiClient(socket))
        {
            client.get("/v1/version");
            throw new DaemonException("another xbowd is running on " + socket);
        }
        catch (final DaemonException ex)
        {
            throw ex;
        }
        catch (final RuntimeException stale)
        {
            try
            {
                Files.deleteIfExists(socket); // left by a daemon that was killed
            }
            catch (final IOException ex)
            {
                throw new DaemonException("cannot remove stale socket " + socket + ": " + ex.getMessage());
            }
        }
    }

    private static boolean isSocket(final Path path)
    {
        try
        {
            final int mode = (Integer)Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
            return (mode & 0170000) == 0140000; // S_IFSOCK
        }
        catch (final IOException | UnsupportedOperationException ex)
        {
            return false;
        }
    }

    private void protectSocket() throws IOException
    {
        Files.setPosixFilePermissions(socket, Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE,
            PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE));
        try
        {
            final GroupPrincipal group = socket.getFileSystem().getUserPrincipalLookupService()
                .lookupPrincipalByGroupName("xbow");
            Files.getFileAttributeView(socket, PosixFileAttributeView.class).setGroup(group);
        }
        catch (final IOException noGroup)
        {
            // No xbow group on this host: the socket stays with the daemon's group.
        }
    }

    private InetSocketAddress tcpAddress()
    {
        final int colon = listen.lastIndexOf(':');
        final InetAddress address;
        final int port;
        try
        {
            address = InetAddress.getByName(listen.substring(0, colon));
            port = Integer.parseInt(listen.substring(colon + 1));
        }
        catch (final Exception ex)
        {
            throw new DaemonException("invalid --listen '" + listen + "': expected ADDRESS:PORT, for example " +
                "127.0.0.1:7070");
        }
        if (!address.isLoopbackAddress() && !allowRemote)
        {
            throw new DaemonException("refusing to listen on " + listen + ": not a loopback address " +
                "(add --allow-remote to mean it)");
        }
        return new InetSocketAddress(address, port);
    }

    private byte[] readToken()
    {
        if (tokenFile == null)
        {
            throw new DaemonException("--listen needs --token-file");
        }
        try
        {
            final Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(tokenFile);
            if (permissions.stream().anyMatch(p -> p.name().startsWith("GROUP") || p.name().startsWith("OTHERS")))
            {
                throw new DaemonException("token file " + tokenFile + " must be readable by its owner only (0600)");
            }
            final byte[] token = Files.readString(tokenFile, StandardCharsets.UTF_8).strip()
                .getBytes(StandardCharsets.UTF_8);
            if (token.length < 16)
            {
                throw new DaemonException("token in " + tokenFile + " is too short: use at least 16 characters");
            }
            return token;
        }
        catch (final IOException ex)
        {
            throw new DaemonException("cannot read token file " + tokenFile + ": " + ex.getMessage());
        }
    }

    /**
     * @return how many captures are streaming to clients now.
     */
    public synchronized int runningCaptures()
    {
        return captures == null ? 0 : captures.running();
    }

    public Path socket()
    {
        return socket;
    }

    /**
     * @return the TCP port of the API, or 0 when it listens on the Unix socket only.
     */
    public int tcpPort()
    {
        return server == null ? 0 : server.tcpPort();
    }

    /** Compiled by libpcap (through Pcap4J), run by our BPF interpreter on the datapath. */
    private static FrameFilter compileFilter(final String expression, final int snaplen)
    {
        return new BpfFilter(CaptureFilter.compile(expression, snaplen));
    }

    private record BpfFilter(BpfMachine machine) implements FrameFilter
    {
        @Override
        public int accept(final DirectBuffer buffer, final int offset, final int length, final int insertedTci)
        {
            return machine.run(buffer, offset, length, insertedTci);
        }

        @Override
        public FrameFilter copy()
        {
            return new BpfFilter(machine.copy());
        }
    }

    /**
     * How the datapath thread spends its time; before {@link #start()}.
     *
     * @param guestsOnDatapath netns guests' frontends run on the datapath thread (a frame between two guests then
     *                         crosses no thread), rather than each guest on a thread of its own.
     * @param pollMicros       how long the datapath thread keeps polling after its last frame before it sleeps.
     * @return this.
     */
    /**
     * @param endpointIndependent NAT filtering: any remote reaches a mapping (else only those it sent to).
     * @return this, before {@link #start}.
     */
    public Xbowd natFiltering(final boolean endpointIndependent)
    {
        this.endpointIndependentFiltering = endpointIndependent;
        return this;
    }

    /**
     * @param connections the most connections each outside interface's NAT tracks.
     * @return this, before {@link #start}.
     */
    public Xbowd natConnections(final int connections)
    {
        this.natConnections = connections;
        return this;
    }

    public Xbowd datapath(final boolean guestsOnDatapath, final long pollMicros)
    {
        this.netnsGuestsOnDatapath = guestsOnDatapath;
        this.pollNs = pollMicros * 1_000;
        return this;
    }

    /** The epoll for the datapath thread to sleep in; null (it parks, a thread watches descriptors) without one. */
    private static Readiness datapathReadiness()
    {
        try
        {
            return Readiness.ownedByCaller();
        }
        catch (final NativeException | RuntimeException | LinkageError ex)
        {
            LOG.log(System.Logger.Level.WARNING, "no epoll for the datapath thread (" + ex.getMessage() +
                "): it parks, and a thread of its own watches descriptors");
            return null;
        }
    }

    @Override
    public synchronized void close()
    {
        if (captures != null)
        {
            captures.close(); // each stream ends with its counters before the API closes
            captures = null;
        }
        if (server != null)
        {
            server.close();
            server = null;
        }
        if (hypervisor != null)
        {
            hypervisor.close(); // guests go as on a host shutdown; their configs stay
            hypervisor = null;
        }
        if (router != null)
        {
            router.close(); // the last leases reach the lease file
            router = null;
        }
        if (registry != null)
        {
            registry.close();
            registry = null;
        }
        if (uplinks != null)
        {
            uplinks.close();
            uplinks = null;
        }
        if (datapathIo != null)
        {
            datapathIo.close(); // after the datapath thread, which slept in it, has stopped
            datapathIo = null;
        }
        if (stateLock != null)
        {
            try
            {
                if (isSocket(socket))
                {
                    Files.deleteIfExists(socket);
                }
            }
            catch (final IOException ignored)
            {
                // nothing more to do on the way out
            }
        }
        unlockStateDirectory();
    }

    /**
     * Why the daemon could not start, in one line.
     */
    public static final class DaemonException extends RuntimeException
    {
        public DaemonException(final String message)
        {
            super(message);
        }
    }
}
