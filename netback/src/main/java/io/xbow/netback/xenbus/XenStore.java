package io.xbow.netback.xenbus;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;

/**
 * A xenstore-like tree: paths to string values, and watches that fire when anything under a path changes. The
 * daemon keeps one for all vifs; frontends and backends talk through it as through Xen's xenstored. Watches run on
 * the writer's thread, after the write, outside the store's lock.
 */
public final class XenStore
{
    private final TreeMap<String, String> values = new TreeMap<>();
    private final List<Map.Entry<String, BiConsumer<String, String>>> watches = new CopyOnWriteArrayList<>();

    /**
     * @param path  a key.
     * @param value its value.
     */
    public void write(final String path, final String value)
    {
        synchronized (values)
        {
            values.put(path, value);
        }
        fire(path, value);
    }

    /**
     * @param path a key.
     * @return its value, or null.
     */
    public String read(final String path)
    {
        synchronized (values)
        {
            return values.get(path);
        }
    }

    /**
     * Remove a key and everything under it.
     *
     * @param path a key or directory.
     */
    public void remove(final String path)
    {
        synchronized (values)
        {
            values.keySet().removeIf(key -> key.equals(path) || key.startsWith(path + "/"));
        }
        fire(path, null);
    }

    /**
     * @param directory a path.
     * @return the keys directly under it.
     */
    public List<String> list(final String directory)
    {
        final List<String> children = new ArrayList<>();
        final String prefix = directory + "/";
        synchronized (values)
        {
            for (final String key : values.subMap(prefix, prefix + Character.MAX_VALUE).keySet())
            {
                final String child = key.substring(prefix.length()).split("/", 2)[0];
                if (!children.contains(child))
                {
                    children.add(child);
                }
            }
        }
        return children;
    }

    /**
     * Call back on every write or removal at or under a path.
     *
     * @param path     a key or directory.
     * @param listener gets the changed path and its new value (null when removed).
     * @return a handle to {@link #unwatch}.
     */
    public Object watch(final String path, final BiConsumer<String, String> listener)
    {
        final Map.Entry<String, BiConsumer<String, String>> watch = Map.entry(path, listener);
        watches.add(watch);
        return watch;
    }

    public void unwatch(final Object handle)
    {
        watches.remove(handle);
    }

    private void fire(final String path, final String value)
    {
        for (final Map.Entry<String, BiConsumer<String, String>> watch : watches)
        {
            if (path.equals(watch.getKey()) || path.startsWith(watch.getKey() + "/"))
            {
                watch.getValue().accept(path, value);
            }
        }
    }

    /**
     * @param domid  the backend's domain.
     * @param guest  the guest's domain.
     * @param devid  the vif's index.
     * @return {@code /local/domain/<domid>/backend/vif/<guest>/<devid>}.
     */
    public static String backendPath(final int domid, final int guest, final int devid)
    {
        return "/local/domain/" + domid + "/backend/vif/" + guest + "/" + devid;
    }

    /**
     * @param guest the guest's domain.
     * @param devid the vif's index.
     * @return {@code /local/domain/<guest>/device/vif/<devid>}.
     */
    public static String frontendPath(final int guest, final int devid)
    {
        return "/local/domain/" + guest + "/device/vif/" + devid;
    }
}
