package io.xbow.packet.filter;

import io.xbow.packet.build.FrameBuilder;
import org.agrona.concurrent.UnsafeBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BpfMachineTest
{
    private static final int LD_W_ABS = 0x20;
    private static final int LD_H_ABS = 0x28;
    private static final int LD_B_ABS = 0x30;
    private static final int LD_W_IND = 0x40;
    private static final int LD_H_IND = 0x48;
    private static final int LD_B_IND = 0x50;
    private static final int LD_LEN = 0x80;
    private static final int LD_IMM = 0x00;
    private static final int LD_MEM = 0x60;
    private static final int LDX_IMM = 0x01;
    private static final int LDX_MEM = 0x61;
    private static final int LDX_LEN = 0x81;
    private static final int LDX_MSH = 0xb1;
    private static final int ST = 0x02;
    private static final int STX = 0x03;
    private static final int ALU_K = 0x04;
    private static final int ALU_X = 0x0c;
    private static final int ADD = 0x00;
    private static final int SUB = 0x10;
    private static final int MUL = 0x20;
    private static final int DIV = 0x30;
    private static final int OR = 0x40;
    private static final int AND = 0x50;
    private static final int LSH = 0x60;
    private static final int RSH = 0x70;
    private static final int NEG = 0x84;
    private static final int MOD = 0x90;
    private static final int XOR = 0xa0;
    private static final int JA = 0x05;
    private static final int JEQ_K = 0x15;
    private static final int JGT_K = 0x25;
    private static final int JGE_K = 0x35;
    private static final int JSET_K = 0x45;
    private static final int JEQ_X = 0x1d;
    private static final int JGT_X = 0x2d;
    private static final int JGE_X = 0x3d;
    private static final int JSET_X = 0x4d;
    private static final int RET_K = 0x06;
    private static final int RET_A = 0x16;
    private static final int TAX = 0x07;
    private static final int TXA = 0x87;

    private static final long MAC_A = 0x00163e000001L;
    private static final long MAC_B = 0x00163e000002L;

    private static final class Program
    {
        private final List<int[]> instructions = new ArrayList<>();

        Program op(final int code, final int k)
        {
            return op(code, 0, 0, k);
        }

        Program op(final int code, final int jt, final int jf, final int k)
        {
            instructions.add(new int[]{ code, jt, jf, k });
            return this;
        }

        BpfMachine machine()
        {
            final int n = instructions.size();
            final short[] code = new short[n];
            final byte[] jt = new byte[n];
            final byte[] jf = new byte[n];
            final int[] k = new int[n];
            for (int i = 0; i < n; i++)
            {
                final int[] insn = instructions.get(i);
                code[i] = (short)insn[0];
                jt[i] = (byte)insn[1];
                jf[i] = (byte)insn[2];
                k[i] = insn[3];
            }
            return BpfMachine.of(code, jt, jf, k);
        }
    }

    private static Program program()
    {
        return new Program();
    }

    private static int run(final BpfMachine machine, final byte[] frame)
    {
        return machine.run(new UnsafeBuffer(frame), 0, frame.length, BpfMachine.NO_TAG);
    }

    private static int runOffset(final BpfMachine machine, final byte[] frame, final int tci)
    {
        final UnsafeBuffer buffer = new UnsafeBuffer(ByteBuffer.allocateDirect(frame.length + 64));
        buffer.setMemory(0, buffer.capacity(), (byte)0x5A);
        buffer.putBytes(32, frame);
        return machine.run(buffer, 32, frame.length, tci);
    }

    private static byte[] udpFrame()
    {
        return new FrameBuilder().ethernet(MAC_B, MAC_A).ipv4(0x0A000001, 0x0A000002).udp(5000, 53, 6000).toBytes();
    }

    private static byte[] taggedUdpFrame(final int vid)
    {
        return new FrameBuilder().ethernet(MAC_B, MAC_A).vlan(vid).ipv4(0x0A000001, 0x0A000002).udp(5000, 53, 6000)
            .toBytes();
    }

    @Test
    void shouldAcceptEveryFrameUpToSnaplen()
    {
        final BpfMachine machine = BpfMachine.acceptAll(40);
        assertEquals(40, run(machine, udpFrame()));
        assertEquals(14, run(machine, new byte[14]));
        assertEquals(18, runOffset(machine, new byte[14], 100));
    }

    @Test
    void shouldLoadBigEndianWordsHalvesAndBytesAtAbsoluteOffsets()
    {
        final byte[] frame = udpFrame();
        assertEquals(0x0800, run(program().op(LD_H_ABS, 12).op(RET_A, 0).machine(), frame));
        assertEquals(0x45, run(program().op(LD_B_ABS, 14).op(RET_A, 0).machine(), frame));
        final BpfMachine word = program().op(LD_W_ABS, 26).op(JEQ_K, 0, 1, 0x0A000001).op(RET_K, 1).op(RET_K, 0)
            .machine();
        assertEquals(1, run(word, frame));
        assertEquals(1, runOffset(word, frame, BpfMachine.NO_TAG));
    }

    @Test
    void shouldRejectWhenALoadRunsPastTheEnd()
    {
        final byte[] frame = new byte[20];
        assertEquals(0, run(program().op(LD_W_ABS, 17).op(RET_K, 9).machine(), frame));
        assertEquals(9, run(program().op(LD_W_ABS, 16).op(RET_K, 9).machine(), frame));
        assertEquals(0, run(program().op(LD_H_ABS, 19).op(RET_K, 9).machine(), frame));
        assertEquals(0, run(program().op(LD_B_ABS, 20).op(RET_K, 9).machine(), frame));
        assertEquals(9, run(program().op(LD_B_ABS, 19).op(RET_K, 9).machine(), frame));
        assertEquals(0, run(program().op(LD_B_ABS, 0xFFFFF000).op(RET_K, 9).machine(), frame));
        assertEquals(0, run(program().op(LDX_MSH, 20).op(RET_K, 9).machine(), frame));
        assertEquals(0, run(program().op(LDX_IMM, -1).op(LD_B_IND, 2).op(RET_K, 9).machine(), frame));
        assertEquals(0, run(program().op(LDX_IMM, 10).op(LD_W_IND, 7).op(RET_K, 9).machine(), frame));
        assertEquals(9, run(program().op(LDX_IMM, 10).op(LD_W_IND, 6).op(RET_K, 9).machine(), frame));
        assertEquals(0, run(program().op(LDX_IMM, 10).op(LD_H_IND, 9).op(RET_K, 9).machine(), frame));
    }

    @Test
    void shouldRejectAncillaryLoads()
    {
        final int skfAdOff = -0x1000;
        assertEquals(0, run(program().op(LD_W_ABS, skfAdOff + 44).op(RET_K, 99).machine(), udpFrame()));
        assertEquals(0, run(program().op(LD_B_ABS, skfAdOff).op(RET_K, 99).machine(), udpFrame()));
    }

    @Test
    void shouldLoadIndirectAndIpHeaderLength()
    {
        final byte[] frame = udpFrame();
        final BpfMachine dport = program().op(LDX_MSH, 14).op(LD_H_IND, 16).op(RET_A, 0).machine();
        assertEquals(53, run(dport, frame));
        final BpfMachine sport = program().op(LDX_MSH, 14).op(LD_W_IND, 14).op(RSH | ALU_K, 16).op(RET_A, 0)
            .machine();
        assertEquals(5000, run(sport, frame));
        assertEquals(0x45, run(program().op(LDX_IMM, 4).op(LD_B_IND, 10).op(RET_A, 0).machine(), frame));
    }

    @Test
    void shouldReturnTheLengthAndCapTheReturnValue()
    {
        final byte[] frame = new byte[60];
        assertEquals(60, run(program().op(LD_LEN, 0).op(RET_A, 0).machine(), frame));
        assertEquals(60, run(program().op(LDX_LEN, 0).op(TXA, 0).op(RET_A, 0).machine(), frame));
        assertEquals(60, run(program().op(RET_K, -1).machine(), frame));
        assertEquals(60, run(program().op(LD_IMM, 0x80000000).op(RET_A, 0).machine(), frame));
        assertEquals(64, runOffset(program().op(LD_LEN, 0).op(RET_A, 0).machine(), frame, 7));
    }

    @Test
    void shouldComputeUnsignedArithmeticWithConstants()
    {
        final byte[] frame = new byte[4096];
        assertEquals(7, alu(5, ALU_K | ADD, 2, frame));
        assertEquals(3, alu(5, ALU_K | SUB, 2, frame));
        assertEquals(10, alu(5, ALU_K | MUL, 2, frame));
        assertEquals(1, alu(5, ALU_K | MOD, 2, frame));
        assertEquals(4, alu(5, ALU_K | AND, 6, frame));
        assertEquals(7, alu(5, ALU_K | OR, 6, frame));
        assertEquals(3, alu(5, ALU_K | XOR, 6, frame));
        assertEquals(20, alu(5, ALU_K | LSH, 2, frame));
        assertEquals(1, alu(5, ALU_K | RSH, 2, frame));
        assertEquals(1, alu(-1, NEG, 0, frame));
    }

    @Test
    void shouldDivideUnsigned()
    {
        final BpfMachine machine = program().op(LD_IMM, -2).op(ALU_K | DIV, 2).op(JEQ_K, 0, 1, 0x7FFFFFFF)
            .op(RET_K, 1).op(RET_K, 0).machine();
        assertEquals(1, run(machine, new byte[20]));
        final BpfMachine mod = program().op(LD_IMM, -1).op(ALU_K | MOD, 10).op(RET_A, 0).machine();
        assertEquals(5, run(mod, new byte[20]));
    }

    @Test
    void shouldComputeWithX()
    {
        final byte[] frame = new byte[4096];
        assertEquals(7, aluX(5, ALU_X | ADD, 2, frame));
        assertEquals(3, aluX(5, ALU_X | SUB, 2, frame));
        assertEquals(10, aluX(5, ALU_X | MUL, 2, frame));
        assertEquals(2, aluX(5, ALU_X | DIV, 2, frame));
        assertEquals(1, aluX(5, ALU_X | MOD, 2, frame));
        assertEquals(4, aluX(5, ALU_X | AND, 6, frame));
        assertEquals(7, aluX(5, ALU_X | OR, 6, frame));
        assertEquals(3, aluX(5, ALU_X | XOR, 6, frame));
        assertEquals(20, aluX(5, ALU_X | LSH, 2, frame));
        assertEquals(1, aluX(5, ALU_X | RSH, 2, frame));
    }

    @Test
    void shouldEndWithZeroOnDivisionByXZeroAndGiveZeroForLongShifts()
    {
        final byte[] frame = new byte[100];
        assertEquals(0, aluXThenReturn99(5, ALU_X | DIV, 0, frame));
        assertEquals(0, aluXThenReturn99(5, ALU_X | MOD, 0, frame));
        assertEquals(99, aluXThenReturn99(5, ALU_X | DIV, 1, frame));
        assertEquals(0, aluX(5, ALU_X | LSH, 32, frame));
        assertEquals(0, aluX(5, ALU_X | RSH, 40, frame));
        assertEquals(0, aluX(5, ALU_X | LSH, -1, frame));
        assertEquals(0x50, aluX(5, ALU_X | LSH, 4, frame));
    }

    @Test
    void shouldJumpOnUnsignedComparisons()
    {
        final byte[] frame = new byte[100];
        assertTrue(jump(JGT_K, -1, 5));
        assertTrue(!jump(JGT_K, 5, -1));
        assertTrue(jump(JGE_K, 5, 5));
        assertTrue(!jump(JGE_K, 4, 5));
        assertTrue(jump(JEQ_K, 5, 5));
        assertTrue(jump(JSET_K, 6, 2));
        assertTrue(!jump(JSET_K, 6, 1));
        assertTrue(jump(JGT_X, -1, 5));
        assertTrue(!jump(JGT_X, 5, -1));
        assertTrue(jump(JGE_X, 5, 5));
        assertTrue(jump(JEQ_X, 5, 5));
        assertTrue(!jump(JEQ_X, 5, 6));
        assertTrue(jump(JSET_X, 6, 2));
        assertEquals(2, run(program().op(JA, 1).op(RET_K, 1).op(RET_K, 2).machine(), frame));
    }

    @Test
    void shouldStoreAndLoadScratchMemory()
    {
        final BpfMachine machine = program().op(LD_IMM, 33).op(ST, 15).op(LDX_IMM, 9).op(STX, 0).op(LD_IMM, 0)
            .op(LDX_MEM, 15).op(LD_MEM, 0).op(ALU_X | ADD, 0).op(TAX, 0).op(TXA, 0).op(RET_A, 0).machine();
        assertEquals(42, run(machine, new byte[100]));
        final BpfMachine copy = machine.copy();
        assertTrue(copy != machine);
        assertEquals(42, run(copy, new byte[100]));
        assertEquals(machine.instructionCount(), copy.instructionCount());
    }

    @Test
    void shouldSeeAnInsertedTagAsIfItWereInTheFrame()
    {
        final byte[] untagged = udpFrame();
        final byte[] tagged = taggedUdpFrame(100);
        final int tci = 100;
        for (int k = 0; k < tagged.length + 2; k++)
        {
            for (final int code : new int[]{ LD_W_ABS, LD_H_ABS, LD_B_ABS })
            {
                final BpfMachine machine = program().op(code, k).op(ALU_K | ADD, 1).op(RET_A, 0).machine();
                assertEquals(run(machine, tagged), runOffset(machine, untagged, tci), "code " + code + " k " + k);
            }
            final BpfMachine msh = program().op(LDX_MSH, k).op(TXA, 0).op(ALU_K | ADD, 1).op(RET_A, 0).machine();
            assertEquals(run(msh, tagged), runOffset(msh, untagged, tci), "msh k " + k);
            final BpfMachine ind = program().op(LDX_IMM, 3).op(LD_H_IND, k).op(ALU_K | ADD, 1).op(RET_A, 0).machine();
            assertEquals(run(ind, tagged), runOffset(ind, untagged, tci), "ind k " + k);
        }
        final BpfMachine vid = program().op(LD_H_ABS, 12).op(JEQ_K, 0, 3, 0x8100).op(LD_H_ABS, 14)
            .op(ALU_K | AND, 0xFFF).op(RET_A, 0).op(RET_K, 0).machine();
        assertEquals(100, runOffset(vid, untagged, tci));
        assertEquals(0, runOffset(vid, untagged, BpfMachine.NO_TAG));
    }

    @Test
    void shouldNotAllocateWhileRunning()
    {
        final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean)java.lang.management.ManagementFactory.getThreadMXBean();
        final BpfMachine machine = program().op(LDX_MSH, 14).op(LD_H_IND, 16).op(JEQ_K, 0, 1, 53)
            .op(RET_K, 96).op(RET_K, 0).machine();
        final byte[] frame = udpFrame();
        final UnsafeBuffer buffer = new UnsafeBuffer(frame);
        int accepted = 0;
        for (int i = 0; i < 20_000; i++)
        {
            accepted += machine.run(buffer, 0, frame.length, (i & 1) == 0 ? BpfMachine.NO_TAG : 100) == 96 ? 1 : 0;
        }
        final long before = threads.getThreadAllocatedBytes(Thread.currentThread().getId());
        for (int i = 0; i < 100_000; i++)
        {
            accepted += machine.run(buffer, 0, frame.length, (i & 1) == 0 ? BpfMachine.NO_TAG : 100) == 96 ? 1 : 0;
        }
        final long allocated = threads.getThreadAllocatedBytes(Thread.currentThread().getId()) - before;
        assertEquals(60_000, accepted, "untagged frames match port 53; tagged ones are 4 bytes off");
        assertTrue(allocated < 1024, allocated + " bytes allocated by 100,000 runs");
    }

    @Test
    void shouldRefuseEmptyAndOverlongPrograms()
    {
        assertRefused("empty", program());
        final Program overlong = program();
        for (int i = 0; i <= BpfMachine.MAX_INSTRUCTIONS; i++)
        {
            overlong.op(RET_K, 0);
        }
        assertRefused("4097 instructions", overlong);
        final Program longest = program();
        for (int i = 0; i < BpfMachine.MAX_INSTRUCTIONS; i++)
        {
            longest.op(RET_K, 0);
        }
        assertEquals(BpfMachine.MAX_INSTRUCTIONS, longest.machine().instructionCount());
    }

    @Test
    void shouldRefuseJumpsOutsideTheProgram()
    {
        assertRefused("lands outside", program().op(JA, 1).op(RET_K, 0));
        assertRefused("lands outside", program().op(JA, -1).op(RET_K, 0));
        assertRefused("lands outside", program().op(JEQ_K, 0, 1, 0).op(RET_K, 0));
        assertRefused("lands outside", program().op(JGT_X, 1, 0, 0).op(RET_K, 0));
        assertEquals(2, program().op(JEQ_K, 0, 0, 0).op(RET_K, 0).machine().instructionCount());
    }

    @Test
    void shouldRefuseAProgramThatDoesNotEndInAReturn()
    {
        assertRefused("not a return", program().op(LD_IMM, 0));
        assertRefused("not a return", program().op(JEQ_K, 0, 1, 0).op(RET_K, 0).op(TAX, 0));
    }

    @Test
    void shouldRefuseBadScratchIndexesAndConstantDivisionByZero()
    {
        assertRefused("scratch memory index 16", program().op(ST, 16).op(RET_K, 0));
        assertRefused("scratch memory index", program().op(LD_IMM, 0).op(STX, -1).op(RET_K, 0));
        assertRefused("division by constant 0", program().op(ALU_K | DIV, 0).op(RET_K, 0));
        assertRefused("modulo by constant 0", program().op(ALU_K | MOD, 0).op(RET_K, 0));
        assertRefused("shift by constant 32", program().op(ALU_K | LSH, 32).op(RET_K, 0));
    }

    @Test
    void shouldRefuseReadingScratchMemoryBeforeAStoreOnSomePath()
    {
        assertRefused("before a store", program().op(LD_MEM, 3).op(RET_A, 0));
        assertRefused("before a store",
            program().op(JEQ_K, 0, 1, 0).op(ST, 3).op(LDX_MEM, 3).op(RET_K, 0));
        assertEquals(4, program().op(ST, 3).op(JEQ_K, 0, 0, 0).op(LD_MEM, 3).op(RET_A, 0).machine()
            .instructionCount());
    }

    @Test
    void shouldRefuseUnknownOpcodes()
    {
        assertRefused("unknown opcode", program().op(0x8c, 0).op(RET_K, 0));
        assertRefused("unknown opcode", program().op(0x88, 0).op(RET_K, 0));
        assertRefused("unknown opcode", program().op(0x1e, 0).op(RET_K, 0));
        assertRefused("unknown opcode", program().op(0x1234, 0).op(RET_K, 0));
        assertRefused("unknown opcode", program().op(0x0e, 0));
    }

    @Test
    void shouldRefuseArraysOfDifferentLengths()
    {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
            () -> BpfMachine.of(new short[2], new byte[2], new byte[1], new int[2]));
        assertTrue(e.getMessage().contains("differ in length"), e.getMessage());
    }

    private static void assertRefused(final String expected, final Program program)
    {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, program::machine);
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    private static int alu(final int a, final int code, final int k, final byte[] frame)
    {
        return run(program().op(LD_IMM, a).op(code, k).op(ST, 0).op(LD_LEN, 0).op(LD_MEM, 0).op(RET_A, 0)
            .machine(), frame);
    }

    private static int aluX(final int a, final int code, final int x, final byte[] frame)
    {
        return run(program().op(LDX_IMM, x).op(LD_IMM, a).op(code, 0).op(RET_A, 0).machine(), frame);
    }

    private static int aluXThenReturn99(final int a, final int code, final int x, final byte[] frame)
    {
        return run(program().op(LDX_IMM, x).op(LD_IMM, a).op(code, 0).op(RET_K, 99).machine(), frame);
    }

    private static boolean jump(final int code, final int a, final int operand)
    {
        final Program program = program().op(LD_IMM, a).op(LDX_IMM, operand);
        program.op(code, 0, 1, operand).op(RET_K, 1).op(RET_K, 0);
        return run(program.machine(), new byte[100]) == 1;
    }
}
