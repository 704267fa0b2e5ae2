package io.xbow.control;

import io.xbow.hostif.host.HostCommand;
import io.xbow.hostif.host.HostCommandException;
import io.xbow.hostif.netns.NetworkNamespace;

/**
 * A LAN for tests with real peers: a namespace ({@code <prefix>-...-lan}) holding one end of a veth as {@code eth0}
 * with 198.51.100.1/24, the other end on the host (up, named after the test's process) for xbow to take as a
 * physical link. What a killed predecessor left is removed first; {@link #close} removes it all, even after a
 * failure.
 */
final class LanLink implements AutoCloseable
{
    /** The LAN host's address. */
    static final String HOST = "198.51.100.1";

    private final String link;
    private final NetworkNamespace lan;

    /**
     * @param prefix     the test's namespace prefix (its leftovers are removed).
     * @param linkPrefix the host end's name, before the process id.
     */
    LanLink(final String prefix, final String linkPrefix) throws Exception
    {
        NetworkNamespace.removeLeftovers(prefix);
        link = linkPrefix + ProcessHandle.current().pid() % 10_000_000;
        deleteLink();
        lan = NetworkNamespace.create(NetworkNamespace.nameFor(prefix, "lan"));
        try
        {
            HostCommand.run("ip", "link", "add", link, "type", "veth", "peer", "name", link + "p");
            lan.adopt(link + "p");
            lan.ip("link", "set", "dev", link + "p", "name", "eth0");
            lan.ip("addr", "add", HOST + "/24", "dev", "eth0");
            lan.ip("link", "set", "dev", "eth0", "up");
            HostCommand.run("ip", "link", "set", "dev", link, "up");
        }
        catch (final Exception ex)
        {
            close(); // nothing half made is left
            throw ex;
        }
    }

    /** The host end: the link xbow sees. */
    String link()
    {
        return link;
    }

    NetworkNamespace lan()
    {
        return lan;
    }

    private void deleteLink()
    {
        try
        {
            HostCommand.run("ip", "link", "del", link);
        }
        catch (final HostCommandException gone)
        {
            // none left by a killed predecessor, or gone with the namespace
        }
    }

    @Override
    public void close() throws Exception
    {
        lan.close();
        deleteLink();
    }
}
