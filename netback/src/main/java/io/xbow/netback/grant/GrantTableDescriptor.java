package io.xbow.netback.grant;

/**
 * Layout of a grant table entry, Xen's {@code grant_entry_v1} (grant_table.h), little-endian:
 * <pre>
 *   0        2          4                    8
 *   | flags  | domid    | frame              |
 * </pre>
 * flags bits 0-1 are the type ({@link #GTF_PERMIT_ACCESS}); bit 2 {@link #GTF_READONLY}; bits 3 and 4 are set by
 * the hypervisor while the grantee reads or writes ({@link #GTF_READING}, {@link #GTF_WRITING}).
 */
public final class GrantTableDescriptor
{
    public static final int ENTRY_SIZE = 8;
    public static final int FLAGS_OFFSET = 0;
    public static final int DOMID_OFFSET = 2;
    public static final int FRAME_OFFSET = 4;
    public static final int ENTRIES_PER_PAGE = 4096 / ENTRY_SIZE;

    public static final int GTF_INVALID = 0;
    public static final int GTF_PERMIT_ACCESS = 1;
    public static final int GTF_TYPE_MASK = 3;
    public static final int GTF_READONLY = 1 << 2;
    public static final int GTF_READING = 1 << 3;
    public static final int GTF_WRITING = 1 << 4;

    private GrantTableDescriptor()
    {
    }
}
