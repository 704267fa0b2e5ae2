package io.xbow.netback.grant;

import io.xbow.netback.shm.GuestMemory;
import org.agrona.concurrent.UnsafeBuffer;

import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

import static io.xbow.netback.grant.GrantTableDescriptor.*;

/**
 * The grant table of one guest, in its shared memory. The frontend side {@link #grant grants} pages and
 * {@link #endAccess ends} grants; the backend side {@link #acquire acquires} a reference only if it was granted to
 * the backend's domain for the access it needs, and only within the guest's memory, and {@link #release releases}
 * it when done.
 * <p>
 * As Xen's hypervisor does, acquiring sets {@code GTF_reading} (and {@code GTF_writing} for write access) in the
 * entry's flags, atomically with the check, and releasing clears them; a frontend may end a grant only while
 * neither is set, so a page is never reused while the backend copies from or into it. The whole entry is read
 * and swapped as one 8-byte word: what was checked is what is used, whatever a hostile guest writes meanwhile
 * (if it keeps rewriting the entry, acquiring gives up after a few tries and the request fails). Nothing here
 * allocates: results are buffer offsets or negative error codes.
 */
public final class GrantTable
{
    /** {@link #acquire}: the reference is beyond the table. */
    public static final int BAD_REFERENCE = -1;
    /** {@link #acquire}: the entry does not permit access (not granted, or revoked). */
    public static final int NOT_GRANTED = -2;
    /** {@link #acquire}: the entry grants access to another domain. */
    public static final int WRONG_DOMAIN = -3;
    /** {@link #acquire}: write access wanted, read-only granted. */
    public static final int READ_ONLY = -4;
    /** {@link #acquire}: the frame is outside the guest's memory. */
    public static final int BAD_FRAME = -5;
    /** {@link #acquire}: the entry changed under every try to mark it in use. */
    public static final int BUSY = -6;

    /** A well-behaved frontend never races the backend for an entry; a hostile one gets this many tries. */
    private static final int MAX_TRIES = 4;

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
     * Frontend: end a grant (Xen's {@code gnttab_end_foreign_access_ref}): only while the backend is not reading or
     * writing the page.
     *
     * @param ref the reference.
     * @return true if the grant is ended; false if the backend still uses the page (try again later).
     */
    public boolean endAccess(final int ref)
    {
        final int entry = ref * ENTRY_SIZE;
        while (true)
        {
            final long read = buffer.getLongVolatile(entry);
            final long raw = NATIVE_IS_LE ? read : Long.reverseBytes(read);
            if ((raw & (GTF_READING | GTF_WRITING)) != 0)
            {
                return false;
            }
            final long ended = raw & ~0xFFFFL;
            if (buffer.compareAndSetLong(entry, read, NATIVE_IS_LE ? ended : Long.reverseBytes(ended)))
            {
                return true;
            }
        }
    }

    /**
     * Backend: check a reference, mark it in use and find its page. Every successful call is paired with a
     * {@link #release} once the page is no longer touched.
     *
     * @param ref      a reference from a ring request, untrusted.
     * @param domid    the backend's domain.
     * @param writable true if the backend will write into the page.
     * @return the page's offset in the guest memory buffer, or a negative error code.
     */
    public int acquire(final int ref, final int domid, final boolean writable)
    {
        if (ref < 0 || ref >= entries)
        {
            return BAD_REFERENCE;
        }
        final int entry = ref * ENTRY_SIZE;
        final long inUse = writable ? GTF_READING | GTF_WRITING : GTF_READING;
        for (int attempt = 0; attempt < MAX_TRIES; attempt++)
        {
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
            final long marked = raw | inUse;
            if (buffer.compareAndSetLong(entry, read, NATIVE_IS_LE ? marked : Long.reverseBytes(marked)))
            {
                return memory.pageOffset(frame);
            }
        }
        return BUSY;
    }

    /**
     * Backend: done with a page {@link #acquire acquired} with the same access: clear its in-use flags.
     * <p>
     * A plain store of the flags with release semantics, not a compare-and-set: while the page is in use the ring
     * rules leave the entry to the backend (a frontend may not end or change a grant it sees in use), so a frontend
     * that rewrites it anyway can only lose its own change, and only its own traffic suffers. This halves the
     * atomic operations per frame (measured: netback forwarding 0.88 of the unmarked rate with four CAS per frame).
     *
     * @param ref      the reference, as acquired.
     * @param writable as acquired.
     */
    public void release(final int ref, final boolean writable)
    {
        final int flagsAt = ref * ENTRY_SIZE + FLAGS_OFFSET;
        final int inUse = writable ? GTF_READING | GTF_WRITING : GTF_READING;
        final int flags = buffer.getShort(flagsAt, LE) & 0xFFFF;
        if ((flags & inUse) != 0)
        {
            VarHandle.releaseFence(); // every access to the page comes before the flags say it is free (a plain mov on x86)
            buffer.putShort(flagsAt, (short)(flags & ~inUse), LE);
        }
    }

    /**
     * @return how many references the table holds.
     */
    public int entries()
    {
        return entries;
    }

    /**
     * @param code a negative result of {@link #acquire}.
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
            case BUSY: return "grant entry rewritten while being acquired";
            default: return "no error";
        }
    }
}
