package io.xbow.control.cli;

import java.util.List;

/**
 * Column names and widths of each show command, as illumos dladm's ofmt tables define them.
 */
final class DladmFields
{
    static final List<Ofmt.Field> SHOW_LINK = List.of(
        new Ofmt.Field("LINK", 12), new Ofmt.Field("CLASS", 10), new Ofmt.Field("MTU", 7),
        new Ofmt.Field("STATE", 9), new Ofmt.Field("BRIDGE", 11), new Ofmt.Field("OVER", 32));
    static final List<Ofmt.Field> SHOW_LINK_STATS = List.of(
        new Ofmt.Field("LINK", 15), new Ofmt.Field("IPACKETS", 10), new Ofmt.Field("RBYTES", 8),
        new Ofmt.Field("IERRORS", 10), new Ofmt.Field("OPACKETS", 12), new Ofmt.Field("OBYTES", 12),
        new Ofmt.Field("OERRORS", 8));
    static final List<Ofmt.Field> SHOW_PHYS = List.of(
        new Ofmt.Field("LINK", 13), new Ofmt.Field("MEDIA", 21), new Ofmt.Field("STATE", 11),
        new Ofmt.Field("SPEED", 7), new Ofmt.Field("DUPLEX", 10), new Ofmt.Field("DEVICE", 13),
        new Ofmt.Field("FLAGS", 7));
    /** show-phys shows the first six unless -o names FLAGS (or all), as illumos's phys_fields. */
    static final int SHOW_PHYS_DEFAULTS = 6;
    /** show-link -P: the persistent configuration, without the active MTU and state. */
    static final List<Ofmt.Field> SHOW_LINK_PERSISTENT = List.of(
        new Ofmt.Field("LINK", 12), new Ofmt.Field("CLASS", 10), new Ofmt.Field("BRIDGE", 11),
        new Ofmt.Field("OVER", 32));
    /** show-phys -P: FLAGS {@code r----} for a configured device that is not there. */
    static final List<Ofmt.Field> SHOW_PHYS_PERSISTENT = List.of(
        new Ofmt.Field("LINK", 13), new Ofmt.Field("DEVICE", 13), new Ofmt.Field("MEDIA", 21),
        new Ofmt.Field("FLAGS", 7));
    /** show-phys -m: a link's MAC addresses, primary and factory slots. */
    static final List<Ofmt.Field> SHOW_PHYS_MACS = List.of(
        new Ofmt.Field("LINK", 13), new Ofmt.Field("SLOT", 9), new Ofmt.Field("ADDRESS", 19),
        new Ofmt.Field("INUSE", 5), new Ofmt.Field("CLIENT", 13));
    static final List<Ofmt.Field> SHOW_VNIC = List.of(
        new Ofmt.Field("LINK", 13), new Ofmt.Field("OVER", 11), new Ofmt.Field("SPEED", 6),
        new Ofmt.Field("MACADDRESS", 18), new Ofmt.Field("MACADDRTYPE", 12), new Ofmt.Field("VID", 5),
        new Ofmt.Field("ZONE", 20));
    static final List<Ofmt.Field> SHOW_ETHERSTUB = List.of(new Ofmt.Field("LINK", 13));
    static final List<Ofmt.Field> SHOW_VLAN = List.of(
        new Ofmt.Field("LINK", 16), new Ofmt.Field("VID", 9), new Ofmt.Field("OVER", 13), new Ofmt.Field("FLAGS", 7));
    static final List<Ofmt.Field> SHOW_LINKPROP = List.of(
        new Ofmt.Field("LINK", 13), new Ofmt.Field("PROPERTY", 16), new Ofmt.Field("PERM", 5),
        new Ofmt.Field("VALUE", 15), new Ofmt.Field("DEFAULT", 15), new Ofmt.Field("POSSIBLE", 20));

    private DladmFields()
    {
    }
}
