package io.xbow.netback.shm;

import org.agrona.concurrent.UnsafeBuffer;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A guest's memory as this host models it: shared memory mapped by the guest's frontend and by xbow's backend
 * alike, so that the two can live in different processes. The daemon creates it {@link #createSealed sealed}: an
 * anonymous memfd whose size no one can change, which other processes map through {@code /proc/PID/fd/FD} and
 * which disappears with its last user. Tests and tools may use a plain file ({@link #create}) that they own.
 * <pre>
 *   page 0 .. grantPages-1          the grant table (see {@link io.xbow.netback.grant.GrantTableDescriptor})
 *   page grantPages .. pages-1      the guest's own pages: ring pages and data pages, as frame numbers 0..n-1
 * </pre>
 * Every page is 4096 bytes, as every Xen ring protocol assumes. The backend reaches guest pages only through
 * the grant table ({@link io.xbow.netback.grant.GrantTable#map}), never by frame number directly.
 */
public final class GuestMemory implements AutoCloseable
{
    /** Xen ring protocols use 4 KiB pages whatever the guest's own page size. */
    public static final int PAGE_SIZE = 4096;
    public static final int PAGE_SHIFT = 12;

    private final Path file;
    private final FileChannel channel;
    /** The memfd behind a sealed memory, closed with it; -1 for a file. */
    private final int fd;
    private final UnsafeBuffer buffer;
    private final int grantPages;
    private final int guestPages;

    private GuestMemory(final Path file, final FileChannel channel, final int fd, final MappedByteBuffer mapped,
        final int grantPages, final int guestPages)
    {
        this.file = file;
        this.channel = channel;
        this.fd = fd;
        this.buffer = new UnsafeBuffer(mapped);
        this.grantPages = grantPages;
        this.guestPages = guestPages;
    }

    /**
     * Create (or truncate) a guest memory file: zeroed grant table and pages.
     *
     * @param file       where; {@code /dev/shm/...} keeps it in memory.
     * @param grantPages pages of grant table (512 entries each).
     * @param guestPages pages of guest memory.
     * @return the mapped memory.
     * @throws IOException if the file cannot be created or mapped.
     */
    public static GuestMemory create(final Path file, final int grantPages, final int guestPages) throws IOException
    {
        checkSize(grantPages, guestPages);
        final FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
            StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
        final long size = (long)(grantPages + guestPages) * PAGE_SIZE;
        channel.truncate(size);
        final MappedByteBuffer mapped = channel.map(FileChannel.MapMode.READ_WRITE, 0, size);
        final GuestMemory memory = new GuestMemory(file, channel, -1, mapped, grantPages, guestPages);
        memory.buffer.setMemory(0, (int)size, (byte)0);
        memory.buffer.putInt(0, 0); // touch
        return memory;
    }

    /**
     * Create a guest's memory as sealed anonymous shared memory (zeroed): no process that maps it can shrink or grow
     * it, so no frontend can make the backend's accesses fault.
     *
     * @param name       for listings ({@code memfd:xbow-NAME} in {@code /proc/PID/fd}).
     * @param grantPages pages of grant table (512 entries each).
     * @param guestPages pages of guest memory.
     * @return the mapped memory; {@link #file()} is the path by which another process of ours opens it.
     * @throws IOException if the kernel refuses.
     */
    public static GuestMemory createSealed(final String name, final int grantPages, final int guestPages)
        throws IOException
    {
        checkSize(grantPages, guestPages);
        final long size = (long)(grantPages + guestPages) * PAGE_SIZE;
        final int fd = SealedMemory.create("xbow-" + name, size);
        try
        {
            final FileChannel channel = FileChannel.open(Path.of("/proc/self/fd/" + fd), StandardOpenOption.READ,
                StandardOpenOption.WRITE);
            final MappedByteBuffer mapped = channel.map(FileChannel.MapMode.READ_WRITE, 0, size);
            final Path shared = Path.of("/proc/" + ProcessHandle.current().pid() + "/fd/" + fd);
            return new GuestMemory(shared, channel, fd, mapped, grantPages, guestPages);
        }
        catch (final IOException | RuntimeException ex)
        {
            SealedMemory.close(fd);
            throw ex;
        }
    }

    private static void checkSize(final int grantPages, final int guestPages)
    {
        if (grantPages < 1 || guestPages < 1 || (long)(grantPages + guestPages) * PAGE_SIZE > Integer.MAX_VALUE)
        {
            throw new IllegalArgumentException("guest memory needs 1+ grant pages and 1+ guest pages, under 2 GiB");
        }
    }

    /**
     * @return true for memory made by {@link #createSealed}: its size cannot change.
     */
    public boolean isSealed()
    {
        return fd >= 0 && (SealedMemory.seals(fd) & (SealedMemory.F_SEAL_SHRINK | SealedMemory.F_SEAL_GROW)) ==
            (SealedMemory.F_SEAL_SHRINK | SealedMemory.F_SEAL_GROW);
    }

    /**
     * Map an existing guest memory file, as the other side of the rings does.
     *
     * @param file       the file.
     * @param grantPages pages of grant table, as agreed with the creator.
     * @return the mapped memory.
     * @throws IOException if the file cannot be opened or its size does not fit.
     */
    public static GuestMemory open(final Path file, final int grantPages) throws IOException
    {
        final FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
        final long size = Files.size(file);
        if (size % PAGE_SIZE != 0 || size / PAGE_SIZE <= grantPages || size > Integer.MAX_VALUE)
        {
            channel.close();
            throw new IOException(file + " is not a guest memory file: " + size + " bytes");
        }
        final MappedByteBuffer mapped = channel.map(FileChannel.MapMode.READ_WRITE, 0, size);
        return new GuestMemory(file, channel, -1, mapped, grantPages, (int)(size / PAGE_SIZE) - grantPages);
    }

    /**
     * @return the whole mapping: grant table then guest pages.
     */
    public UnsafeBuffer buffer()
    {
        return buffer;
    }

    public int grantPages()
    {
        return grantPages;
    }

    public int guestPages()
    {
        return guestPages;
    }

    /**
     * @param frame a guest frame number, 0 to {@link #guestPages()} - 1.
     * @return the offset of that page in {@link #buffer()}.
     */
    public int pageOffset(final int frame)
    {
        return (grantPages + frame) << PAGE_SHIFT;
    }

    /**
     * @return the file: for sealed memory {@code /proc/PID/fd/FD}, which another process may open (and which is gone
     *         once this memory is closed; there is nothing to delete).
     */
    public Path file()
    {
        return file;
    }

    @Override
    public void close() throws IOException
    {
        try
        {
            channel.close();
        }
        finally
        {
            if (fd >= 0)
            {
                SealedMemory.close(fd);
            }
        }
    }
}
