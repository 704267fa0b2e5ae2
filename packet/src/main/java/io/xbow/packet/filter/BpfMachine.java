package io.xbow.packet.filter;

import org.agrona.DirectBuffer;

import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A classic BPF (cBPF: the {@code struct bpf_insn} set of libpcap and the Linux socket filter) interpreter that runs
 * a capture filter on a frame in place, on the datapath thread: no allocation, no locks, no copy.
 * <p>
 * Programs are checked once, when made, as the Linux kernel's checker does ({@code bpf_check_classic}): at most
 * {@value #MAX_INSTRUCTIONS} known instructions, jumps forward and inside the program, the last instruction a
 * return, scratch memory indexes below {@value #MEMORY_WORDS} and never read before written on every path, no
 * division or modulo by a constant 0, no constant shift of 32 or more. A checked program always ends, so
 * {@link #run} needs no step limit.
 * <p>
 * At run time the semantics are libpcap's {@code bpf_filter()}: unsigned 32-bit arithmetic, a load past the end of
 * the frame (or at a negative, ancillary {@code SKF_AD_OFF} offset) ends the program with 0, division or modulo by
 * an X of 0 ends it with 0, a shift by an X of 32 or more gives 0.
 * <p>
 * VLAN tags that the datapath keeps out of band are shown to the program in band: with a tag, the program sees the
 * frame as if {@code 81 00 TCI} sat after the two MAC addresses, 4 bytes longer, and load offsets are mapped onto
 * the untagged bytes instead of copying the frame.
 * <p>
 * The instance holds the 16 scratch words, so one instance serves one thread at a time; {@link #copy()} makes
 * another for another thread without checking the program again.
 */
public final class BpfMachine
{
    /** {@link #run}'s insertedTci for a frame shown as it is. */
    public static final int NO_TAG = -1;
    /** The kernel's BPF_MAXINSNS. */
    public static final int MAX_INSTRUCTIONS = 4096;
    /** The kernel's BPF_MEMWORDS. */
    public static final int MEMORY_WORDS = 16;

    private static final int TAG_OFFSET = 12;
    private static final int TAG_LENGTH = 4;
    private static final int TPID_8021Q = 0x8100;

    // Dense operation numbers, so that run() compiles to a table switch; 0 marks an opcode the checker refuses.
    private static final int LD_W_ABS = 1;
    private static final int LD_H_ABS = 2;
    private static final int LD_B_ABS = 3;
    private static final int LD_W_IND = 4;
    private static final int LD_H_IND = 5;
    private static final int LD_B_IND = 6;
    private static final int LD_W_LEN = 7;
    private static final int LD_IMM = 8;
    private static final int LD_MEM = 9;
    private static final int LDX_IMM = 10;
    private static final int LDX_MEM = 11;
    private static final int LDX_LEN = 12;
    private static final int LDX_MSH = 13;
    private static final int ST = 14;
    private static final int STX = 15;
    private static final int ADD_K = 16;
    private static final int SUB_K = 17;
    private static final int MUL_K = 18;
    private static final int DIV_K = 19;
    private static final int MOD_K = 20;
    private static final int AND_K = 21;
    private static final int OR_K = 22;
    private static final int XOR_K = 23;
    private static final int LSH_K = 24;
    private static final int RSH_K = 25;
    private static final int ADD_X = 26;
    private static final int SUB_X = 27;
    private static final int MUL_X = 28;
    private static final int DIV_X = 29;
    private static final int MOD_X = 30;
    private static final int AND_X = 31;
    private static final int OR_X = 32;
    private static final int XOR_X = 33;
    private static final int LSH_X = 34;
    private static final int RSH_X = 35;
    private static final int NEG = 36;
    private static final int JA = 37;
    private static final int JEQ_K = 38;
    private static final int JGT_K = 39;
    private static final int JGE_K = 40;
    private static final int JSET_K = 41;
    private static final int JEQ_X = 42;
    private static final int JGT_X = 43;
    private static final int JGE_X = 44;
    private static final int JSET_X = 45;
    private static final int RET_K = 46;
    private static final int RET_A = 47;
    private static final int TAX = 48;
    private static final int TXA = 49;

    private static final byte[] OPERATIONS = new byte[256];

    static
    {
        // Opcodes as <linux/filter.h> and <pcap/bpf.h> compose them: class | size | mode, class | op | source.
        operation(0x20, LD_W_ABS);
        operation(0x28, LD_H_ABS);
        operation(0x30, LD_B_ABS);
        operation(0x40, LD_W_IND);
        operation(0x48, LD_H_IND);
        operation(0x50, LD_B_IND);
        operation(0x80, LD_W_LEN);
        operation(0x00, LD_IMM);
        operation(0x60, LD_MEM);
        operation(0x01, LDX_IMM);
        operation(0x61, LDX_MEM);
        operation(0x81, LDX_LEN);
        operation(0xb1, LDX_MSH);
        operation(0x02, ST);
        operation(0x03, STX);
        operation(0x04, ADD_K);
        operation(0x14, SUB_K);
        operation(0x24, MUL_K);
        operation(0x34, DIV_K);
        operation(0x94, MOD_K);
        operation(0x54, AND_K);
        operation(0x44, OR_K);
        operation(0xa4, XOR_K);
        operation(0x64, LSH_K);
        operation(0x74, RSH_K);
        operation(0x0c, ADD_X);
        operation(0x1c, SUB_X);
        operation(0x2c, MUL_X);
        operation(0x3c, DIV_X);
        operation(0x9c, MOD_X);
        operation(0x5c, AND_X);
        operation(0x4c, OR_X);
        operation(0xac, XOR_X);
        operation(0x6c, LSH_X);
        operation(0x7c, RSH_X);
        operation(0x84, NEG);
        operation(0x05, JA);
        operation(0x15, JEQ_K);
        operation(0x25, JGT_K);
        operation(0x35, JGE_K);
        operation(0x45, JSET_K);
        operation(0x1d, JEQ_X);
        operation(0x2d, JGT_X);
        operation(0x3d, JGE_X);
        operation(0x4d, JSET_X);
        operation(0x06, RET_K);
        operation(0x16, RET_A);
        operation(0x07, TAX);
        operation(0x87, TXA);
    }

    private final byte[] operations;
    private final int[] jumpTrue;
    private final int[] jumpFalse;
    private final int[] constants;
    private final int[] memory = new int[MEMORY_WORDS];

    private BpfMachine(final byte[] operations, final int[] jumpTrue, final int[] jumpFalse, final int[] constants)
    {
        this.operations = operations;
        this.jumpTrue = jumpTrue;
        this.jumpFalse = jumpFalse;
        this.constants = constants;
    }

    /**
     * Check a program and make a machine for it.
     *
     * @param code opcodes ({@code bpf_insn.code}), one per instruction.
     * @param jt   jump offsets if true, read as unsigned bytes.
     * @param jf   jump offsets if false, read as unsigned bytes.
     * @param k    constants.
     * @return a machine that runs the program.
     * @throws IllegalArgumentException naming the first instruction the checker refuses and why.
     */
    public static BpfMachine of(final short[] code, final byte[] jt, final byte[] jf, final int[] k)
    {
        final int length = code.length;
        if (jt.length != length || jf.length != length || k.length != length)
        {
            throw new IllegalArgumentException("BPF program: code, jt, jf and k differ in length (" + length + ", " +
                jt.length + ", " + jf.length + ", " + k.length + ")");
        }
        if (length == 0)
        {
            throw new IllegalArgumentException("BPF program is empty");
        }
        if (length > MAX_INSTRUCTIONS)
        {
            throw new IllegalArgumentException(
                "BPF program has " + length + " instructions, more than the " + MAX_INSTRUCTIONS + " allowed");
        }
        final byte[] operations = new byte[length];
        final int[] jumpTrue = new int[length];
        final int[] jumpFalse = new int[length];
        final int[] constants = k.clone();
        for (int pc = 0; pc < length; pc++)
        {
            final int opcode = code[pc] & 0xFFFF;
            final int operation = opcode < OPERATIONS.length ? OPERATIONS[opcode] : 0;
            if (operation == 0)
            {
                throw refused(pc, opcode, "unknown opcode");
            }
            operations[pc] = (byte)operation;
            jumpTrue[pc] = jt[pc] & 0xFF;
            jumpFalse[pc] = jf[pc] & 0xFF;
            check(pc, opcode, operation, jumpTrue[pc], jumpFalse[pc], k[pc], length);
        }
        final int last = operations[length - 1];
        if (last != RET_K && last != RET_A)
        {
            throw refused(length - 1, code[length - 1] & 0xFFFF, "the last instruction is not a return");
        }
        checkMemoryReads(operations, jumpTrue, jumpFalse, constants, code);
        return new BpfMachine(operations, jumpTrue, jumpFalse, constants);
    }

    /**
     * @param snaplen bytes to capture from each frame, more than 0.
     * @return a machine whose program ({@code ret #snaplen}) accepts every frame.
     */
    public static BpfMachine acceptAll(final int snaplen)
    {
        if (snaplen <= 0)
        {
            throw new IllegalArgumentException("snaplen must be more than 0: " + snaplen);
        }
        return of(new short[]{ 0x06 }, new byte[1], new byte[1], new int[]{ snaplen });
    }

    /**
     * @return a machine for the same checked program with its own scratch memory, for another thread.
     */
    public BpfMachine copy()
    {
        return new BpfMachine(operations, jumpTrue, jumpFalse, constants);
    }

    /**
     * @return the program's length in instructions.
     */
    public int instructionCount()
    {
        return operations.length;
    }

    /**
     * Run the program on a frame.
     *
     * @param buffer      holding the frame.
     * @param offset      of the frame's first byte.
     * @param length      of the frame in bytes.
     * @param insertedTci {@link #NO_TAG}, or the 16-bit TCI of an 802.1Q tag the program sees after the MAC addresses
     *                    (ignored for a runt of fewer than 12 bytes, which has no place for it).
     * @return bytes to capture, 0 to reject; at most the frame's length as the program saw it.
     */
    public int run(final DirectBuffer buffer, final int offset, final int length, final int insertedTci)
    {
        final boolean tagged = insertedTci != NO_TAG && length >= TAG_OFFSET;
        final int tci = insertedTci & 0xFFFF;
        final int wireLength = tagged ? length + TAG_LENGTH : length;
        final byte[] operations = this.operations;
        final int[] constants = this.constants;
        final int[] memory = this.memory;
        int a = 0;
        int x = 0;
        int pc = 0;
        while (true)
        {
            final int k = constants[pc];
            switch (operations[pc])
            {
                case LD_W_ABS:
                    if (k < 0 || k > wireLength - 4)
                    {
                        return 0;
                    }
                    a = tagged ? taggedWord(buffer, offset, k, tci) :
                        buffer.getInt(offset + k, ByteOrder.BIG_ENDIAN);
                    break;
                case LD_H_ABS:
                    if (k < 0 || k > wireLength - 2)
                    {
                        return 0;
                    }
                    a = tagged ? taggedHalf(buffer, offset, k, tci) :
                        buffer.getShort(offset + k, ByteOrder.BIG_ENDIAN) & 0xFFFF;
                    break;
                case LD_B_ABS:
                    if (k < 0 || k >= wireLength)
                    {
                        return 0;
                    }
                    a = tagged ? taggedByte(buffer, offset, k, tci) : buffer.getByte(offset + k) & 0xFF;
                    break;
                case LD_W_IND:
                {
                    final long at = (x & 0xFFFF_FFFFL) + (k & 0xFFFF_FFFFL);
                    if (at > wireLength - 4)
                    {
                        return 0;
                    }
                    final int index = (int)at;
                    a = tagged ? taggedWord(buffer, offset, index, tci) :
                        buffer.getInt(offset + index, ByteOrder.BIG_ENDIAN);
                    break;
                }
                case LD_H_IND:
                {
                    final long at = (x & 0xFFFF_FFFFL) + (k & 0xFFFF_FFFFL);
                    if (at > wireLength - 2)
                    {
                        return 0;
                    }
                    final int index = (int)at;
                    a = tagged ? taggedHalf(buffer, offset, index, tci) :
                        buffer.getShort(offset + index, ByteOrder.BIG_ENDIAN) & 0xFFFF;
                    break;
                }
                case LD_B_IND:
                {
                    final long at = (x & 0xFFFF_FFFFL) + (k & 0xFFFF_FFFFL);
                    if (at >= wireLength)
                    {
                        return 0;
                    }
                    final int index = (int)at;
                    a = tagged ? taggedByte(buffer, offset, index, tci) : buffer.getByte(offset + index) & 0xFF;
                    break;
                }
                case LD_W_LEN:
                    a = wireLength;
                    break;
                case LD_IMM:
                    a = k;
                    break;
                case LD_MEM:
                    a = memory[k];
                    break;
                case LDX_IMM:
                    x = k;
                    break;
                case LDX_MEM:
                    x = memory[k];
                    break;
                case LDX_LEN:
                    x = wireLength;
                    break;
                case LDX_MSH:
                    if (k < 0 || k >= wireLength)
                    {
                        return 0;
                    }
                    x = ((tagged ? taggedByte(buffer, offset, k, tci) : buffer.getByte(offset + k)) & 0xF) << 2;
                    break;
                case ST:
                    memory[k] = a;
                    break;
                case STX:
                    memory[k] = x;
                    break;
                case ADD_K:
                    a += k;
                    break;
                case SUB_K:
                    a -= k;
                    break;
                case MUL_K:
                    a *= k;
                    break;
                case DIV_K:
                    a = Integer.divideUnsigned(a, k);
                    break;
                case MOD_K:
                    a = Integer.remainderUnsigned(a, k);
                    break;
                case AND_K:
                    a &= k;
                    break;
                case OR_K:
                    a |= k;
                    break;
                case XOR_K:
                    a ^= k;
                    break;
                case LSH_K:
                    a <<= k;
                    break;
                case RSH_K:
                    a >>>= k;
                    break;
                case ADD_X:
                    a += x;
                    break;
                case SUB_X:
                    a -= x;
                    break;
                case MUL_X:
                    a *= x;
                    break;
                case DIV_X:
                    if (x == 0)
                    {
                        return 0;
                    }
                    a = Integer.divideUnsigned(a, x);
                    break;
                case MOD_X:
                    if (x == 0)
                    {
                        return 0;
                    }
                    a = Integer.remainderUnsigned(a, x);
                    break;
                case AND_X:
                    a &= x;
                    break;
                case OR_X:
                    a |= x;
                    break;
                case XOR_X:
                    a ^= x;
                    break;
                case LSH_X:
                    a = Integer.compareUnsigned(x, 32) < 0 ? a << x : 0;
                    break;
                case RSH_X:
                    a = Integer.compareUnsigned(x, 32) < 0 ? a >>> x : 0;
                    break;
                case NEG:
                    a = -a;
                    break;
                case JA:
                    pc += k;
                    break;
                case JEQ_K:
                    pc += a == k ? jumpTrue[pc] : jumpFalse[pc];
                    break;
                case JGT_K:
                    pc += Integer.compareUnsigned(a, k) > 0 ? jumpTrue[pc] : jumpFalse[pc];
                    break;
                case JGE_K:
                    pc += Integer.compareUnsigned(a, k) >= 0 ? jumpTrue[pc] : jumpFalse[pc];
                    break;
                case JSET_K:
                    pc += (a & k) != 0 ? jumpTrue[pc] : jumpFalse[pc];
                    break;
                case JEQ_X:
                    pc += a == x ? jumpTrue[pc] : jumpFalse[pc];
                    break;
                case JGT_X:
                    pc += Integer.compareUnsigned(a, x) > 0 ? jumpTrue[pc] : jumpFalse[pc];
                    break;
                case JGE_X:
                    pc += Integer.compareUnsigned(a, x) >= 0 ? jumpTrue[pc] : jumpFalse[pc];
                    break;
                case JSET_X:
                    pc += (a & x) != 0 ? jumpTrue[pc] : jumpFalse[pc];
                    break;
                case RET_K:
                    return Integer.compareUnsigned(k, wireLength) > 0 ? wireLength : k;
                case RET_A:
                    return Integer.compareUnsigned(a, wireLength) > 0 ? wireLength : a;
                case TAX:
                    x = a;
                    break;
                case TXA:
                    a = x;
                    break;
                default:
                    return 0; // unreachable: the checker refused every other operation
            }
            pc++;
        }
    }

    private static int taggedByte(final DirectBuffer buffer, final int offset, final int index, final int tci)
    {
        if (index < TAG_OFFSET)
        {
            return buffer.getByte(offset + index) & 0xFF;
        }
        if (index >= TAG_OFFSET + TAG_LENGTH)
        {
            return buffer.getByte(offset + index - TAG_LENGTH) & 0xFF;
        }
        switch (index - TAG_OFFSET)
        {
            case 0: return TPID_8021Q >>> 8;
            case 1: return TPID_8021Q & 0xFF;
            case 2: return tci >>> 8;
            default: return tci & 0xFF;
        }
    }

    private static int taggedHalf(final DirectBuffer buffer, final int offset, final int index, final int tci)
    {
        if (index + 2 <= TAG_OFFSET)
        {
            return buffer.getShort(offset + index, ByteOrder.BIG_ENDIAN) & 0xFFFF;
        }
        if (index >= TAG_OFFSET + TAG_LENGTH)
        {
            return buffer.getShort(offset + index - TAG_LENGTH, ByteOrder.BIG_ENDIAN) & 0xFFFF;
        }
        return taggedByte(buffer, offset, index, tci) << 8 | taggedByte(buffer, offset, index + 1, tci);
    }

    private static int taggedWord(final DirectBuffer buffer, final int offset, final int index, final int tci)
    {
        if (index + 4 <= TAG_OFFSET)
        {
            return buffer.getInt(offset + index, ByteOrder.BIG_ENDIAN);
        }
        if (index >= TAG_OFFSET + TAG_LENGTH)
        {
            return buffer.getInt(offset + index - TAG_LENGTH, ByteOrder.BIG_ENDIAN);
        }
        return taggedHalf(buffer, offset, index, tci) << 16 | taggedHalf(buffer, offset, index + 2, tci);
    }

    private static void operation(final int opcode, final int operation)
    {
        OPERATIONS[opcode] = (byte)operation;
    }

    private static void check(
        final int pc, final int opcode, final int operation, final int jt, final int jf, final int k, final int length)
    {
        switch (operation)
        {
            case LD_MEM:
            case LDX_MEM:
            case ST:
            case STX:
                if (k < 0 || k >= MEMORY_WORDS)
                {
                    throw refused(pc, opcode, "scratch memory index " + Integer.toUnsignedString(k) +
                        " is not below " + MEMORY_WORDS);
                }
                break;
            case DIV_K:
            case MOD_K:
                if (k == 0)
                {
                    throw refused(pc, opcode, (operation == DIV_K ? "division" : "modulo") + " by constant 0");
                }
                break;
            case LSH_K:
            case RSH_K:
                if (k < 0 || k >= 32)
                {
                    throw refused(pc, opcode, "shift by constant " + Integer.toUnsignedString(k) + ", 32 or more");
                }
                break;
            case JA:
                if (k < 0 || k >= length - pc - 1)
                {
                    throw refused(pc, opcode, "jump by " + Integer.toUnsignedString(k) +
                        " lands outside the " + length + "-instruction program");
                }
                break;
            case JEQ_K:
            case JGT_K:
            case JGE_K:
            case JSET_K:
            case JEQ_X:
            case JGT_X:
            case JGE_X:
            case JSET_X:
                if (pc + jt + 1 >= length || pc + jf + 1 >= length)
                {
                    throw refused(pc, opcode, "jump (jt " + jt + ", jf " + jf +
                        ") lands outside the " + length + "-instruction program");
                }
                break;
            default:
                break;
        }
    }

    /**
     * The kernel's {@code check_load_and_stores}: follow every path forward and refuse a read of a scratch word that
     * some path to it has not written, so that no filter sees another frame's leftovers.
     */
    private static void checkMemoryReads(
        final byte[] operations, final int[] jumpTrue, final int[] jumpFalse, final int[] constants, final short[] code)
    {
        final int length = operations.length;
        final int[] written = new int[length];
        Arrays.fill(written, -1);
        int valid = 0;
        for (int pc = 0; pc < length; pc++)
        {
            valid &= written[pc];
            final int operation = operations[pc];
            switch (operation)
            {
                case ST:
                case STX:
                    valid |= 1 << constants[pc];
                    break;
                case LD_MEM:
                case LDX_MEM:
                    if ((valid & 1 << constants[pc]) == 0)
                    {
                        throw refused(pc, code[pc] & 0xFFFF,
                            "reads scratch memory M[" + constants[pc] + "] before a store on some path");
                    }
                    break;
                case JA:
                    written[pc + 1 + constants[pc]] &= valid;
                    valid = -1;
                    break;
                case JEQ_K:
                case JGT_K:
                case JGE_K:
                case JSET_K:
                case JEQ_X:
                case JGT_X:
                case JGE_X:
                case JSET_X:
                    written[pc + 1 + jumpTrue[pc]] &= valid;
                    written[pc + 1 + jumpFalse[pc]] &= valid;
                    valid = -1;
                    break;
                case RET_K:
                case RET_A:
                    valid = -1;
                    break;
                default:
                    break;
            }
        }
    }

    private static IllegalArgumentException refused(final int pc, final int opcode, final String why)
    {
        return new IllegalArgumentException(
            "BPF program refused at instruction " + pc + " (code 0x" + Integer.toHexString(opcode) + "): " + why);
    }
}
