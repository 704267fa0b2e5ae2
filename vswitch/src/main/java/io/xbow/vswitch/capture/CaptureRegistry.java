package io.xbow.vswitch.capture;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every link that can be captured, by name, and the captures running on them. Whatever owns a capture point
 * registers it under its link's name: the link registry for VNICs, VLAN links, physical links and etherstubs, the
 * hypervisor for vifs; a routed or NAT backend adds its inside and outside the same way, one line each.
 * Thread-safe.
 */
public final class CaptureRegistry
{
    private final Map<String, CaptureLink> links = new ConcurrentHashMap<>();

    /**
     * @param name the link's name.
     * @param link its capture points.
     * @throws IllegalArgumentException if the name is taken.
     */
    public void register(final String name, final CaptureLink link)
    {
        if (links.putIfAbsent(name, link) != null)
        {
            throw new IllegalArgumentException("capture link '" + name + "' is already registered");
        }
    }

    /**
     * Forget a link; captures watching it are told it went away (they end) and stop seeing its frames.
     *
     * @param name the link's name.
     */
    public void unregister(final String name)
    {
        final CaptureLink link = links.remove(name);
        if (link != null)
        {
            end(name, link, " went away");
        }
    }

    /**
     * End the captures watching a link that went down (its device vanished): they are told why and end, as
     * tcpdump does when its interface goes away. The link stays capturable.
     *
     * @param name the link's name.
     */
    public void linkDown(final String name)
    {
        final CaptureLink link = links.get(name);
        if (link != null)
        {
            end(name, link, " went down");
        }
    }

    /**
     * @param name    the link's name now.
     * @param newName its new name; running captures go on.
     */
    public void rename(final String name, final String newName)
    {
        final CaptureLink link = links.get(name);
        if (link == null)
        {
            return;
        }
        if (links.putIfAbsent(newName, link) != null)
        {
            throw new IllegalArgumentException("capture link '" + newName + "' is already registered");
        }
        links.remove(name);
    }

    /**
     * @return the names of the links that can be captured, sorted.
     */
    public List<String> names()
    {
        return new ArrayList<>(new TreeSet<>(links.keySet()));
    }

    /**
     * Start a capture.
     *
     * @param names     links to watch (at least one, no repeats).
     * @param direction which frames of each.
     * @param filter    which frames, and how much of each.
     * @param snaplen   the most bytes kept of a frame.
     * @param ringBytes the hand-off ring's size.
     * @return the running capture; close it to stop.
     * @throws IllegalArgumentException for an unknown link, a repeated one, or a direction a link does not have.
     */
    public CaptureSession start(final List<String> names, final CaptureDirection direction, final FrameFilter filter,
        final int snaplen, final int ringBytes)
    {
        if (names.isEmpty())
        {
            throw new IllegalArgumentException("no link to capture");
        }
        if (names.size() > Short.MAX_VALUE)
        {
            throw new IllegalArgumentException("too many links to capture: " + names.size());
        }
        final List<CaptureLink> found = new ArrayList<>();
        for (int i = 0; i < names.size(); i++)
        {
            final String name = names.get(i);
            if (names.indexOf(name) != i)
            {
                throw new IllegalArgumentException("link " + name + " is named twice");
            }
            final CaptureLink link = links.get(name);
            if (link == null)
            {
                throw new IllegalArgumentException(name + ": no such link");
            }
            if (link.isWholeSwitch() && direction == CaptureDirection.OUT)
            {
                throw new IllegalArgumentException(name + ": a switch's capture sees each frame once, as it enters;"
                    + " -Q out applies to ports (VNICs, vifs, physical links)");
            }
            found.add(link);
        }
        final Instant now = Instant.now();
        final long epochOffsetNs = now.getEpochSecond() * 1_000_000_000L + now.getNano() - System.nanoTime();
        final CaptureSession session = new CaptureSession(names, snaplen, ringBytes, epochOffsetNs);
        synchronized (session)
        {
            for (int i = 0; i < found.size(); i++)
            {
                final CaptureLink link = found.get(i);
                if (direction.includesIn() || link.isWholeSwitch())
                {
                    session.addTap(new CaptureTap(session, link.in(), i, CaptureLink.IN, filter.copy()));
                }
                if (direction.includesOut() && !link.isWholeSwitch())
                {
                    session.addTap(new CaptureTap(session, link.out(), i, CaptureLink.OUT, filter.copy()));
                }
            }
        }
        return session;
    }

    /** The captures watching a link end, told why; they stop seeing its frames. */
    private static void end(final String name, final CaptureLink link, final String why)
    {
        release(name, link.in(), why);
        if (link.out() != null)
        {
            release(name, link.out(), why);
        }
    }

    private static void release(final String name, final CapturePoint point, final String why)
    {
        for (final CaptureTap tap : point.removeAll())
        {
            tap.session().ended("link " + name + why);
        }
    }
}
