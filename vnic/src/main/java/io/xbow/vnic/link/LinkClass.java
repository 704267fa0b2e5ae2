package io.xbow.vnic.link;

/**
 * The CLASS column of {@code dladm show-link}.
 */
public enum LinkClass
{
    PHYS("phys"),
    ETHERSTUB("etherstub"),
    VLAN("vlan"),
    VNIC("vnic");

    private final String label;

    LinkClass(final String label)
    {
        this.label = label;
    }

    public String label()
    {
        return label;
    }
}
