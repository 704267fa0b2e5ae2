package io.xbow.packet;

/**
 * Why a frame left the datapath without being delivered. Every stage that frees a frame it could not deliver
 * counts it under one of these reasons; the ordinal indexes counter arrays, so append new reasons at the end.
 */
public enum DropReason
{
    /** The frame failed header validation: truncated, reserved VLAN id, bad IPv4 header and so on. */
    MALFORMED("malformed"),
    /** The source MAC address is multicast, broadcast or all zeros, so it cannot be a sender. */
    INVALID_SOURCE("invalid-source"),
    /** The frame's VLAN is not allowed on the port it entered or was to leave by. */
    VLAN_MISMATCH("vlan-mismatch"),
    /** The switch had nowhere to send it: the destination is the ingress port, or the VLAN has no other port. */
    FILTERED("filtered"),
    /** No free frame in the pool, so a copy for flooding could not be made. */
    NO_BUFFER("no-buffer"),
    /** The output port's queue was full. */
    QUEUE_FULL("queue-full");

    private static final DropReason[] VALUES = values();

    private final String label;

    DropReason(final String label)
    {
        this.label = label;
    }

    /**
     * @return the name used in command output and metrics, in lower case with dashes.
     */
    public String label()
    {
        return label;
    }

    /**
     * @return the number of reasons, the length of a per-reason counter array.
     */
    public static int count()
    {
        return VALUES.length;
    }

    /**
     * @param ordinal of a reason.
     * @return the reason with that ordinal, without allocating the values array.
     */
    public static DropReason of(final int ordinal)
    {
        return VALUES[ordinal];
    }
}
