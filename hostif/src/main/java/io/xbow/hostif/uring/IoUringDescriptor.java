package io.xbow.hostif.uring;

/**
 * The shared layouts of an io_uring, as {@code include/uapi/linux/io_uring.h} defines them (Linux 5.1 and later;
 * the same on every 64-bit architecture).
 * <pre>
 *  io_uring_params (120 bytes, filled in by io_uring_setup)
 *    0 sq_entries  4 cq_entries  8 flags  12 sq_thread_cpu  16 sq_thread_idle  20 features  24 wq_fd  28 resv[3]
 *   40 sq_off: head tail ring_mask ring_entries flags dropped array resv1 (u32 each)  user_addr (u64)
 *   80 cq_off: head tail ring_mask ring_entries overflow cqes flags resv1 (u32 each)  user_addr (u64)
 *
 *  submission queue entry (64 bytes)
 *    0 opcode u8 | 1 flags u8 | 2 ioprio u16 | 4 fd s32 | 8 off u64 | 16 addr u64 | 24 len u32 | 28 rw_flags u32
 *   32 user_data u64 | 40 buf_index u16 | 42 personality u16 | 44 splice_fd_in s32 | 48 addr3 u64 | 56 pad u64
 *
 *  completion queue entry (16 bytes)
 *    0 user_data u64 | 8 res s32 (bytes, or -errno) | 12 flags u32
 * </pre>
 * The rings themselves are mapped from the ring's descriptor at the offsets below; their head, tail, mask and
 * array lie where the params' offsets say.
 */
final class IoUringDescriptor
{
    static final int SYS_IO_URING_SETUP = 425;
    static final int SYS_IO_URING_ENTER = 426;
    static final int SYS_IO_URING_REGISTER = 427;
    static final int IORING_REGISTER_FILES = 2;
    /** An SQE flag: fd is an index into the registered files (no file lookup per operation). */
    static final byte IOSQE_FIXED_FILE = 1;
    /**
     * mmap and munmap as system calls: JNR-FFI passed a bad argument to libc's {@code mmap} declared with its mixed
     * int and long parameters (EINVAL even for an anonymous map), while its all-long {@code syscall} is exact.
     */
    static final int SYS_MMAP = "aarch64".equals(System.getProperty("os.arch")) ? 222 : 9;
    static final int SYS_MUNMAP = "aarch64".equals(System.getProperty("os.arch")) ? 215 : 11;

    static final int PARAMS_LENGTH = 120;
    static final int P_SQ_ENTRIES = 0;
    static final int P_CQ_ENTRIES = 4;
    static final int P_FEATURES = 20;
    static final int P_SQ_OFF = 40;
    static final int P_CQ_OFF = 80;
    /** In sq_off and cq_off alike. */
    static final int OFF_HEAD = 0;
    static final int OFF_TAIL = 4;
    static final int OFF_RING_MASK = 8;
    static final int SQ_OFF_ARRAY = 24;
    static final int CQ_OFF_CQES = 20;

    static final long IORING_OFF_SQ_RING = 0L;
    static final long IORING_OFF_CQ_RING = 0x8000000L;
    static final long IORING_OFF_SQES = 0x10000000L;
    static final int IORING_FEAT_SINGLE_MMAP = 1;
    static final int IORING_ENTER_GETEVENTS = 1;

    static final int SQE_LENGTH = 64;
    static final int SQE_OPCODE = 0;
    static final int SQE_FLAGS = 1;
    static final int SQE_IOPRIO = 2;
    static final int SQE_FD = 4;
    static final int SQE_OFF = 8;
    static final int SQE_ADDR = 16;
    static final int SQE_LEN = 24;
    static final int SQE_RW_FLAGS = 28;
    static final int SQE_USER_DATA = 32;
    static final int SQE_TAIL = 40; // buf_index to the end: zero for plain reads and writes
    static final byte IORING_OP_READV = 1;
    static final byte IORING_OP_WRITEV = 2;
    /** preadv2's flag: do not wait for data. */
    static final int RWF_NOWAIT = 0x8;

    static final int CQE_LENGTH = 16;
    static final int CQE_USER_DATA = 0;
    static final int CQE_RES = 8;

    static final int PROT_READ_WRITE = 0x1 | 0x2;
    static final int MAP_SHARED_POPULATE = 0x01 | 0x8000;
    static final long MAP_FAILED = -1L;

    private IoUringDescriptor()
    {
    }
}
