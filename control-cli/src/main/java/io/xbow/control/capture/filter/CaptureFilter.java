package io.xbow.control.capture.filter;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import com.sun.jna.Structure;
import io.xbow.packet.filter.BpfMachine;
import org.pcap4j.core.BpfProgram;
import org.pcap4j.core.PcapHandle;
import org.pcap4j.core.PcapNativeException;
import org.pcap4j.core.Pcaps;
import org.pcap4j.core.NotOpenException;
import org.pcap4j.packet.namednumber.DataLinkType;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;

/**
 * Compiles a pcap filter expression ({@code tcp port 80 and host 10.0.0.2}) with libpcap itself, so that a filter
 * means to {@code xbow capture} exactly what it means to tcpdump, and hands the instructions to a {@link BpfMachine}
 * that runs them on the datapath without native calls.
 * <p>
 * libpcap is reached through Pcap4J: {@code pcap_open_dead(DLT_EN10MB, snaplen)}, {@code pcap_compile} with the
 * optimizer on and an unknown netmask (so {@code ip broadcast} is refused, as tcpdump refuses it without an
 * interface). Pcap4J keeps the compiled {@code struct bpf_program} to itself, so we read it the one way that needs no
 * second native binding: we call its package-private accessor {@code BpfProgram.getProgram()} by reflection, take the
 * JNA structure's native address, and read the C layout ({@code u_int bf_len; struct bpf_insn *bf_insns;} with
 * 8-byte {@code {u_short code; u_char jt, jf; u_int k}} instructions) through JNA's Pointer; Pcap4J then frees the
 * program with {@code pcap_freecode}. Declaring our own JNA mapping of {@code pcap_compile} would avoid the
 * reflection but duplicate Pcap4J's library loading and error handling; if a Pcap4J update renames the accessor,
 * compile fails with a clear message and the differential test says so.
 * <p>
 * Debian ships libpcap as {@code libpcap.so.0.8} (package libpcap0.8) without the unversioned {@code libpcap.so}
 * symlink unless libpcap-dev is installed; JNA finds the versioned file by itself when asked for {@code pcap}.
 */
public final class CaptureFilter
{
    /** Pcap4J's system property naming the library to load. */
    private static final String LIBRARY_PROPERTY = "org.pcap4j.core.pcapLibName";
    private static final int INSTRUCTION_SIZE = 8;
    private static final Object LOCK = new Object();

    private CaptureFilter()
    {
    }

    /**
     * @param expression a pcap filter expression; null, empty or blank accepts every frame.
     * @param snaplen    bytes to capture from each accepted frame, more than 0.
     * @return a machine running the compiled filter.
     * @throws IllegalArgumentException with libpcap's own message if the expression does not compile, or if libpcap
     *                                  cannot be loaded.
     */
    public static BpfMachine compile(final String expression, final int snaplen)
    {
        if (snaplen <= 0)
        {
            throw new IllegalArgumentException("snaplen must be more than 0: " + snaplen);
        }
        if (expression == null || expression.isBlank())
        {
            return BpfMachine.acceptAll(snaplen);
        }
        synchronized (LOCK) // pcap_compile was not thread-safe before libpcap 1.8
        {
            final PcapHandle handle = openDead(snaplen);
            try
            {
                final BpfProgram program = handle.compileFilter(
                    expression, BpfProgram.BpfCompileMode.OPTIMIZE, PcapHandle.PCAP_NETMASK_UNKNOWN);
                try
                {
                    return instructions(program);
                }
                finally
                {
                    program.free();
                }
            }
            catch (final PcapNativeException e)
            {
                throw new IllegalArgumentException("filter '" + expression + "': " + libpcapMessage(e), e);
            }
            catch (final NotOpenException e)
            {
                throw new IllegalStateException("pcap handle closed while compiling", e);
            }
            finally
            {
                handle.close();
            }
        }
    }

    private static PcapHandle openDead(final int snaplen)
    {
        try
        {
            return Pcaps.openDead(DataLinkType.EN10MB, snaplen);
        }
        catch (final PcapNativeException e)
        {
            throw new IllegalArgumentException("libpcap refused a dead handle: " + e.getMessage(), e);
        }
        catch (final UnsatisfiedLinkError | NoClassDefFoundError e)
        {
            throw new IllegalArgumentException("capture filters need libpcap (Debian: libpcap0.8; library name '" +
                System.getProperty(LIBRARY_PROPERTY, "pcap") + "'): " + e.getMessage(), e);
        }
    }

    /**
     * Pcap4J appends the expression and compile settings to pcap_geterr's text; keep libpcap's part.
     */
    private static String libpcapMessage(final PcapNativeException e)
    {
        final String message = String.valueOf(e.getMessage());
        final int settings = message.indexOf(" bpfExpression:");
        return settings > 0 ? message.substring(0, settings).trim() : message.trim();
    }

    private static BpfMachine instructions(final BpfProgram program)
    {
        final Pointer struct = nativeProgram(program).getPointer();
        final int length = struct.getInt(0);
        final Pointer insns = struct.getPointer(Native.POINTER_SIZE);
        if (length <= 0 || length > BpfMachine.MAX_INSTRUCTIONS || insns == null)
        {
            throw new IllegalArgumentException("libpcap compiled a program of " + length + " instructions");
        }
        final short[] code = new short[length];
        final byte[] jt = new byte[length];
        final byte[] jf = new byte[length];
        final int[] k = new int[length];
        for (int i = 0; i < length; i++)
        {
            final long at = (long)i * INSTRUCTION_SIZE;
            code[i] = insns.getShort(at);
            jt[i] = insns.getByte(at + 2);
            jf[i] = insns.getByte(at + 3);
            k[i] = insns.getInt(at + 4);
        }
        return BpfMachine.of(code, jt, jf, k);
    }

    private static Structure nativeProgram(final BpfProgram program)
    {
        try
        {
            final Method accessor = BpfProgram.class.getDeclaredMethod("getProgram");
            accessor.setAccessible(true);
            return (Structure)accessor.invoke(program);
        }
        catch (final NoSuchMethodException | IllegalAccessException | InvocationTargetException | ClassCastException e)
        {
            throw new IllegalStateException("this Pcap4J version does not expose BpfProgram.getProgram()", e);
        }
    }
}
