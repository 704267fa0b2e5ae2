package io.xbow.vnic;

import io.xbow.vnic.link.Link;
import io.xbow.vnic.link.PortLink;
import io.xbow.vnic.link.SwitchLink;
import io.xbow.vnic.prop.Bandwidth;
import io.xbow.vnic.prop.LinkProperty;
import io.xbow.vnic.prop.Priority;
import io.xbow.vnic.prop.PropertyInfo;
import io.xbow.vnic.prop.Protection;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Link properties as {@code set-linkprop}, {@code reset-linkprop} and {@code show-linkprop} see them: which apply
 * to which link, their values, defaults and possible values, and applying a change to the datapath (a new
 * {@link io.xbow.vnic.datapath.VnicPolicy}, a new serving order). All or nothing: every value is parsed and
 * checked before any is applied. Called with the link registry's lock held.
 */
final class LinkProperties
{
    static final int MIN_MTU = 68;
    static final int MAX_MTU = 9000;
    /** The one zone xbow knows: the host, where the link becomes a TAP interface of its name. */
    static final String ZONE_GLOBAL = "global";

    private final Function<SwitchLink, List<PortLink>> portLinksOver;

    /**
     * @param portLinksOver the VNICs and VLAN links over a link, as they are now.
     */
    LinkProperties(final Function<SwitchLink, List<PortLink>> portLinksOver)
    {
        this.portLinksOver = portLinksOver;
    }

    /**
     * Set properties, all or none: if one value is invalid nothing changes.
     *
     * @param link       the link.
     * @param properties values by dladm property name.
     */
    /**
     * Parse and check every value without applying any.
     */
    void check(final Link link, final Map<String, String> properties)
    {
        for (final String property : properties.keySet())
        {
            checkSettable(link, property);
        }
        if (link instanceof PortLink)
        {
            PortSettings.of((PortLink)link).with(link.name(), properties);
        }
        else if (properties.containsKey(LinkProperty.MTU.label()))
        {
            parseMtu(properties.get(LinkProperty.MTU.label()), MAX_MTU);
        }
        checkZone(properties.get(LinkProperty.ZONE.label()));
    }

    /**
     * @param zone a {@code zone} value, or null.
     * @throws IllegalArgumentException unless it is {@code global}, the only zone xbow has.
     */
    static void checkZone(final String zone)
    {
        if (zone != null && !zone.trim().equals(ZONE_GLOBAL))
        {
            throw new IllegalArgumentException("invalid zone '" + zone + "': xbow has one zone, global (the host: " +
                "the link becomes a host interface of its name)");
        }
    }

    void set(final Link link, final Map<String, String> properties)
    {
        final String name = link.name();
        for (final String property : properties.keySet())
        {
            checkSettable(link, property);
        }
        if (link instanceof PortLink)
        {
            final PortLink portLink = (PortLink)link;
            apply(portLink, PortSettings.of(portLink).with(name, properties));
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
     * @param link       the link.
     * @param properties dladm property names; empty for every property that can be set.
     */
    void reset(final Link link, final Collection<String> properties)
    {
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
        PortSettings settings = PortSettings.of(portLink);
        for (final LinkProperty property : targets)
        {
            settings = settings.reset(property);
        }
        apply(portLink, settings);
    }

    /**
     * @param link       the link.
     * @param properties dladm property names; empty for all that apply to the link.
     * @return one row per property, as show-linkprop prints them.
     */
    List<PropertyInfo> show(final Link link, final Collection<String> properties)
    {
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
            case ZONE:
                return new PropertyInfo(name, property.label(), perm,
                    ((PortLink)link).hostInterface() != null ? ZONE_GLOBAL : "--", "--", ZONE_GLOBAL);
            case ALLOWED_DHCP_CIDS:
                return new PropertyInfo(name, property.label(), perm, ((PortLink)link).allowedDhcpCids().toString(),
                    "--", "--");
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
            link.linkClass().article() + " has " + String.join(", ", names));
    }

    private void apply(final PortLink link, final PortSettings settings)
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
        for (final PortLink over : portLinksOver.apply(link))
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
        for (final PortLink over : portLinksOver.apply(link))
        {
            over.vnicPort().policy(over.vnicPort().policy().withMtu(over.mtu()));
        }
    }

    static int parseMtu(final String text, final int max)
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
}
