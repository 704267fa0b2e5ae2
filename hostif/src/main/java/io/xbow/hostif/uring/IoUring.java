package io.xbow.hostif.uring;

import io.xbow.hostif.sys.LibC;
import io.xbow.hostif.sys.Native;
import io.xbow.hostif.sys.NativeException;
import org.agrona.BufferUtil;
import org.agrona.concurrent.UnsafeBuffer;

import java.nio.ByteOrder;

import static io.xbow.hostif.uring.IoUringDescriptor.*;

/**
 * A batch of reads and writes in one system call: Linux's io_uring, used as a plain batching interface. A caller
 * prepares any number of {@code readv}/{@code writev} on its descriptors, then {@link #submit} hands them all to the
 * kernel with one {@code io_uring_enter} and waits for every one, so the buffers are free again when {@code submit}
 * returns, as after as many {@code readv}/{@code writev} calls. A write to a TAP or socket completes during that
 * call. A read is prepared with {@code RWF_NOWAIT}: with nothing to read it answers {@code -EAGAIN} (io_uring
 * would otherwise wait for the descriptor, non-blocking or not), or {@code -EOPNOTSUPP} from a file that cannot
 * say so.
 * <p>
 * Why: on a virtual machine a system call costs microseconds (its entry and exit trap to the hypervisor), more than
 * the kernel's work for a small frame; a switch that writes each frame to a TAP with its own call spends most of its
 * time entering the kernel. No submission-queue polling thread ({@code IORING_SETUP_SQPOLL}): it would keep a core
 * busy for every ring.
 * <p>
 * One thread uses a ring. Nothing allocates after {@link #open}.
 */
public final class IoUring implements AutoCloseable
{
    /**
     * What a completed operation came to.
     */
    @FunctionalInterface
    public interface Completion
    {
        /**
         * @param userData what the operation was prepared with.
         * @param result   bytes moved, or {@code -errno}.
         */
        void onCompletion(long userData, int result);
    }

    private final LibC libc;
    private final int fd;
    private final int entries;
    private final UnsafeBuffer sqRing;
    private final UnsafeBuffer cqRing;
    private final UnsafeBuffer sqes;
    private final long sqRingLength;
    private final long cqRingLength;
    private final boolean singleMap;
    private final int sqTail;
    private final int sqMask;
    private final int cqHead;
    private final int cqTail;
    private final int cqMask;
    private final int cqes;
    /** Prepared and not yet submitted. */
    private int prepared;
    /** Submitted and not yet completed. */
    private int inFlight;
    private int tail;
    private boolean closed;

    private IoUring(final LibC libc, final int fd, final int entries, final UnsafeBuffer params,
        final UnsafeBuffer sqRing, final long sqRingLength, final UnsafeBuffer cqRing, final long cqRingLength,
        final boolean singleMap, final UnsafeBuffer sqes)
    {
        this.libc = libc;
        this.fd = fd;
        this.entries = entries;
        this.sqRing = sqRing;
        this.sqRingLength = sqRingLength;
        this.cqRing = cqRing;
        this.cqRingLength = cqRingLength;
        this.singleMap = singleMap;
        this.sqes = sqes;
        this.sqTail = params.getInt(P_SQ_OFF + OFF_TAIL);
        this.sqMask = sqRing.getInt(params.getInt(P_SQ_OFF + OFF_RING_MASK));
        this.cqHead = params.getInt(P_CQ_OFF + OFF_HEAD);
        this.cqTail = params.getInt(P_CQ_OFF + OFF_TAIL);
        this.cqMask = cqRing.getInt(params.getInt(P_CQ_OFF + OFF_RING_MASK));
        this.cqes = params.getInt(P_CQ_OFF + CQ_OFF_CQES);
        this.tail = sqRing.getIntVolatile(sqTail);
        // Submission slot i always names entry i: the indirection array is the identity.
        final int array = params.getInt(P_SQ_OFF + SQ_OFF_ARRAY);
        for (int i = 0; i < entries; i++)
        {
            sqRing.putInt(array + i * 4, i);
        }
    }

    /**
     * @param entries operations one submit may carry (rounded up to a power of two by the kernel).
     * @return a ring.
     * @throws NativeException if this kernel has no io_uring, or it is disabled ({@code kernel.io_uring_disabled},
     *                         seccomp): callers fall back to one call per operation.
     */
    public static IoUring open(final int entries) throws NativeException
    {
        final LibC libc = Native.libc();
        final UnsafeBuffer params = new UnsafeBuffer(BufferUtil.allocateDirectAligned(PARAMS_LENGTH, 8));
        params.setMemory(0, PARAMS_LENGTH, (byte)0);
        final int fd = (int)libc.syscall(SYS_IO_URING_SETUP, entries, params.addressOffset(), 0, 0, 0, 0);
        if (fd < 0)
        {
            throw Native.failure("io_uring_setup");
        }
        final int sqEntries = params.getInt(P_SQ_ENTRIES);
        final int cqEntries = params.getInt(P_CQ_ENTRIES);
        final boolean single = (params.getInt(P_FEATURES) & IORING_FEAT_SINGLE_MMAP) != 0;
        long sqLength = params.getInt(P_SQ_OFF + SQ_OFF_ARRAY) + 4L * sqEntries;
        long cqLength = params.getInt(P_CQ_OFF + CQ_OFF_CQES) + (long)CQE_LENGTH * cqEntries;
        if (single)
        {
            sqLength = cqLength = Math.max(sqLength, cqLength);
        }
        long sq = MAP_FAILED;
        long cq = MAP_FAILED;
        long entriesMap = MAP_FAILED;
        try
        {
            sq = map(libc, fd, sqLength, IORING_OFF_SQ_RING);
            cq = single ? sq : map(libc, fd, cqLength, IORING_OFF_CQ_RING);
            entriesMap = map(libc, fd, (long)SQE_LENGTH * sqEntries, IORING_OFF_SQES);
        }
        catch (final NativeException ex)
        {
            unmap(libc, sq, sqLength);
            if (!single)
            {
                unmap(libc, cq, cqLength);
            }
            libc.close(fd);
            throw ex;
        }
        return new IoUring(libc, fd, sqEntries, params, new UnsafeBuffer(sq, (int)sqLength), sqLength,
            new UnsafeBuffer(cq, (int)cqLength), cqLength, single,
            new UnsafeBuffer(entriesMap, SQE_LENGTH * sqEntries));
    }

    private static long map(final LibC libc, final int fd, final long length, final long offset)
        throws NativeException
    {
        final long address = libc.syscall(SYS_MMAP, 0, length, PROT_READ_WRITE, MAP_SHARED_POPULATE, fd, offset);
        if (address < 0 && address > -4096)
        {
            throw Native.failure("mmap io_uring");
        }
        return address;
    }

    private static void unmap(final LibC libc, final long address, final long length)
    {
        if (address != MAP_FAILED)
        {
            libc.syscall(SYS_MUNMAP, address, length, 0, 0, 0, 0);
        }
    }

    /**
     * Register descriptors once, so that operations name them by index and the kernel looks no file up per
     * operation (a few percent of a small frame's cost). Once per ring.
     *
     * @param descriptors the descriptors; operations pass {@link #registered}{@code (index)} instead of one.
     * @throws NativeException if the kernel refused.
     */
    public void register(final int... descriptors) throws NativeException
    {
        final UnsafeBuffer array = new UnsafeBuffer(BufferUtil.allocateDirectAligned(4 * descriptors.length, 8));
        for (int i = 0; i < descriptors.length; i++)
        {
            array.putInt(i * 4, descriptors[i]);
        }
        if (libc.syscall(SYS_IO_URING_REGISTER, fd, IORING_REGISTER_FILES, array.addressOffset(), descriptors.length,
            0, 0) < 0)
        {
            throw Native.failure("io_uring_register");
        }
    }

    /**
     * @param index a registered descriptor's place in {@link #register}'s arguments.
     * @return what {@link #readv} and {@link #writev} take for it.
     */
    public static int registered(final int index)
    {
        return REGISTERED | index;
    }

    /** Marks a registered descriptor's index among descriptors (which are never negative). */
    private static final int REGISTERED = 1 << 31;

    /**
     * @return operations one submit can carry.
     */
    public int capacity()
    {
        return entries;
    }

    /**
     * @return operations prepared and not yet submitted.
     */
    public int prepared()
    {
        return prepared;
    }

    /**
     * Prepare a {@code readv}: the iovecs and the buffers they name must stay as they are until {@link #submit}.
     *
     * @param descriptor a descriptor, or a {@link #registered} one.
     * @return false if the batch is full (submit first).
     */
    public boolean readv(final int descriptor, final long iovecs, final int count, final long userData)
    {
        return prepare(IORING_OP_READV, descriptor, iovecs, count, userData, RWF_NOWAIT);
    }

    /**
     * Prepare a {@code writev}: the iovecs and the buffers they name must stay as they are until {@link #submit}.
     *
     * @param descriptor a descriptor, or a {@link #registered} one.
     * @return false if the batch is full (submit first).
     */
    public boolean writev(final int descriptor, final long iovecs, final int count, final long userData)
    {
        return prepare(IORING_OP_WRITEV, descriptor, iovecs, count, userData, 0);
    }

    private boolean prepare(final byte opcode, final int descriptor, final long iovecs, final int count,
        final long userData, final int rwFlags)
    {
        if (prepared == entries || closed)
        {
            return false;
        }
        final int sqe = (tail & sqMask) * SQE_LENGTH;
        sqes.putByte(sqe + SQE_OPCODE, opcode);
        sqes.putByte(sqe + SQE_FLAGS, (descriptor & REGISTERED) != 0 ? IOSQE_FIXED_FILE : 0);
        sqes.putShort(sqe + SQE_IOPRIO, (short)0);
        sqes.putInt(sqe + SQE_FD, descriptor & ~REGISTERED);
        sqes.putLong(sqe + SQE_OFF, -1L); // the file's position is meaningless on a TAP or socket: "current"
        sqes.putLong(sqe + SQE_ADDR, iovecs);
        sqes.putInt(sqe + SQE_LEN, count);
        sqes.putInt(sqe + SQE_RW_FLAGS, rwFlags);
        sqes.putLong(sqe + SQE_USER_DATA, userData);
        sqes.setMemory(sqe + SQE_TAIL, SQE_LENGTH - SQE_TAIL, (byte)0);
        tail++;
        prepared++;
        return true;
    }

    /**
     * Hand every prepared operation to the kernel in one call and wait until each has completed.
     *
     * @param handler gets each completion, in the order the kernel finished them.
     * @return operations completed.
     * @throws NativeException if the ring itself failed (not an operation: those complete with {@code -errno}).
     */
    public int submit(final Completion handler) throws NativeException
    {
        if (prepared == 0 && inFlight == 0)
        {
            return 0;
        }
        sqRing.putIntOrdered(sqTail, tail); // the entries before the tail that publishes them
        int completed = 0;
        int refusals = 0;
        while (prepared > 0 || inFlight > 0)
        {
            final long n = libc.syscall(SYS_IO_URING_ENTER, fd, prepared, prepared + inFlight,
                IORING_ENTER_GETEVENTS, 0, 0);
            if (n < 0)
            {
                final int errno = Native.errno();
                // EAGAIN and EBUSY: the kernel is short of memory, or of room for completions (reaped below);
                // passing, but not to be waited out forever on the datapath.
                if (errno != Native.EINTR && errno != Native.EAGAIN && errno != Native.EBUSY
                    || ++refusals > MAX_REFUSALS)
                {
                    throw Native.failure("io_uring_enter");
                }
            }
            else
            {
                prepared -= (int)n;
                inFlight += (int)n;
            }
            completed += reap(handler);
        }
        return completed;
    }

    private static final int MAX_REFUSALS = 1000;

    private int reap(final Completion handler)
    {
        int head = cqRing.getInt(cqHead);
        final int available = cqRing.getIntVolatile(cqTail); // acquire: the entries before it are written
        int n = 0;
        while (head != available)
        {
            final int cqe = cqes + (head & cqMask) * CQE_LENGTH;
            final long userData = cqRing.getLong(cqe + CQE_USER_DATA, ByteOrder.nativeOrder());
            final int result = cqRing.getInt(cqe + CQE_RES, ByteOrder.nativeOrder());
            head++;
            n++;
            handler.onCompletion(userData, result);
        }
        cqRing.putIntOrdered(cqHead, head);
        inFlight -= n;
        return n;
    }

    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        unmap(libc, sqes.addressOffset(), sqes.capacity());
        if (!singleMap)
        {
            unmap(libc, cqRing.addressOffset(), cqRingLength);
        }
        unmap(libc, sqRing.addressOffset(), sqRingLength);
        libc.close(fd);
    }
}
