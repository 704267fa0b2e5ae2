package io.xbow.netback.grant;

import io.xbow.netback.shm.GuestMemory;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;

import static io.xbow.netback.grant.GrantTableDescriptor.*;

/**
 * The grant table of one guest, in its shared memory. The frontend side {@link #grant grants} pages; the backend
 * side {@link #map maps} a reference only if it was granted to the backend's domain for the access it needs, and
 * only within the guest's memory. The entry is read once per mapping (a hostile guest may rewrite it at any
 * moment; what was checked is what is used). Mapping allocates nothing: the result is a buffer offset or a
 * negative error code.
 */
public final class GrantTable
{
    /** {@link #map}: the reference is beyond the table. */
    public static final int BAD_REFERENCE = -1;
    /** {@link #map}: the entry does not permit access (not granted, or revoked). */
    public static final int NOT_GRANTED = -2;
    /** {@link #map}: the entry grants access to another domain. */
    public static final int WRONG_DOMAIN = -3;
    /** {@link #map}: write access wanted, read-only granted. */
    public static final int READ_ONLY = -4;
    /** {@link #map}: the frame is outside the guest's memory. */
    public static final int BAD_FRAME = -5;

    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final boolean NATIVE_IS_LE = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;

    private final GuestMemory memory;
    private final UnsafeBuffer buffer;
    private final int entries;

    public GrantTable(final GuestMemory memory)
    {
        this.memory = memory;
        this.buffer = memory.buffer();
        this.entries = memory.grantPages() * ENTRIES_PER_PAGE;
    }

    /**
     * Frontend: grant a page to a domain.
     *
     * @param ref      the reference to use, 0 to {@link #entries()} - 1.
     * @param domid    the domain granted access.
     * @param frame    the guest frame.
     * @param readOnly true to grant read access only.
     */
    public void grant(final int ref, final int domid, final int frame, final boolean readOnly)
    {
        final int entry = ref * ENTRY_SIZE;
        buffer.putShort(entry + DOMID_OFFSET, (short)domid, LE);
        buffer.putInt(entry + FRAME_OFFSET, frame, LE);
        // The flags go last, with release semantics: the grantee must never see access permitted to a stale frame.
        buffer.putShortVolatile(entry + FLAGS_OFFSET, (short)(GTF_PERMIT_ACCESS | (readOnly ? GTF_READONLY : 0)));
    }

    /**
     * Frontend: revoke a grant.
     *
     * @param ref the reference.
     */
    public void revoke(final int ref)
    {
        buffer.putShortVolatile(ref * ENTRY_SIZE + FLAGS_OFFSET, (short)GTF_INVALID);
    }

    /**
     * Backend: check a reference and find its page.
     *
     * @param ref      a reference from a ring request, untrusted.
     * @param domid    the backend's domain.
     * @param writable true if the backend will write into the page.
     * @return the page's offset in the guest memory buffer, or a negative error code.
     */
    public int map(final int ref, final int domid, final boolean writable)
    {
        if (ref < 0 || ref >= entries)
        {
            return BAD_REFERENCE;
        }
        final int entry = ref * ENTRY_SIZE;
        // One read of the whole 8-byte entry: flags, domid and frame come from the same instant.
        final long read = buffer.getLongVolatile(entry);
        final long raw = NATIVE_IS_LE ? read : Long.reverseBytes(read);
        final int flags = (int)(raw & 0xFFFF);
        final int grantee = (int)((raw >>> 16) & 0xFFFF);
        final int frame = (int)(raw >>> 32);
        if ((flags & GTF_TYPE_MASK) != GTF_PERMIT_ACCESS)
        {
            return NOT_GRANTED;
        }
        if (grantee != domid)
        {
            return WRONG_DOMAIN;
        }
        if (writable && (flags & GTF_READONLY) != 0)
        {
            return READ_ONLY;
        }
        if (frame < 0 || frame >= memory.guestPages())
        {
            return BAD_FRAME;
        }
        return memory.pageOffset(frame);
    }

    /**
     * @return how many references the table holds.
     */
    public int entries()
    {
        return entries;
    }

    /**
     * @param code a negative result of {@link #map}.
     * @return what it means.
     */
    public static String describe(final int code)
    {
        switch (code)
        {
            case BAD_REFERENCE: return "grant reference out of range";
            case NOT_GRANTED: return "page not granted";
            case WRONG_DOMAIN: return "page granted to another domain";
            case READ_ONLY: return "page granted read-only";
            case BAD_FRAME: return "granted frame outside guest memory";
            default: return "no error";
        }
    }
}
