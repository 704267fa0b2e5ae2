package io.xbow.vnic.link;

/**
 * The CLASS column of {@code dladm show-link}.
 */
public enum LinkClass
{
    PHYS("phys", "a physical link"),
    ETHERSTUB("etherstub", "an etherstub"),
    VLAN("vlan", "a VLAN link"),
    VNIC("vnic", "a VNIC");

    private final String label;
    private final String article;

    LinkClass(final String label, final String article)
    {
        this.label = label;
        this.article = article;
    }

    /**
     * @return the class with its article, for messages ("it is an etherstub").
     */
    public String article()
    {
        return article;
    }

    public String label()
    {
        return label;
    }
}
