package io.xbow.perf;

import io.xbow.control.capture.file.CaptureFileOptions;
import io.xbow.control.capture.file.CaptureFiles;
import io.xbow.control.capture.file.CaptureWriter;
import io.xbow.packet.build.FrameBuilder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.pcap4j.core.PcapDumper;
import org.pcap4j.core.PcapHandle;
import org.pcap4j.core.Pcaps;
import org.pcap4j.packet.namednumber.DataLinkType;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Writing captured frames to a file: is Pcap4J's PcapDumper (libpcap's pcap_dump through JNA) fast enough for the
 * capture writer, against our buffered writer for pcap and for pcapng? One op is one frame (a 64-byte UDP frame by
 * default) written with its nanosecond timestamp; the score is frames per second. The file is on /dev/shm (or
 * {@code -p dir=...}) so the disk is not what is measured, and starts again empty each iteration.
 * <p>
 * {@code pcap4j} pays what a real caller pays per frame: a java.sql.Timestamp for the time, and inside dumpRaw a JNA
 * {@code pcap_pkthdr} Structure and a native call; its frame is already an exact-length array, which a real caller
 * would have to copy out of its capture ring first.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {Jvm.ADD_EXPORTS, Jvm.MISC_UNSAFE})
@State(Scope.Thread)
public class CaptureWriteBenchmark
{
    @Param({"pcap4j", "pcap", "pcapng"})
    String writer;

    @Param({"64"})
    int frameSize;

    @Param({"/dev/shm"})
    String dir;

    private byte[] frame;
    private Path file;
    private long timestampNs;
    private CaptureWriter captureWriter;
    private PcapHandle handle;
    private PcapDumper dumper;

    @Setup(Level.Iteration)
    public void open() throws Exception
    {
        frame = new FrameBuilder().ethernet(0x00163e000002L, 0x00163e000001L).ipv4(0x0A000001, 0x0A000002)
            .udp(5000, 53, frameSize - 42).toBytes();
        file = Files.createTempFile(Path.of(dir), "capture-bench", "pcap4j".equals(writer) ? ".pcap" : "." + writer);
        timestampNs = System.currentTimeMillis() * 1_000_000L;
        if ("pcap4j".equals(writer))
        {
            handle = Pcaps.openDead(DataLinkType.EN10MB, 262144, PcapHandle.TimestampPrecision.MICRO);
            dumper = handle.dumpOpen(file.toString());
        }
        else
        {
            captureWriter = CaptureFiles.open(
                CaptureFileOptions.of(file.toString(), "pcapng".equals(writer), List.of("vif3.0")), null);
        }
    }

    @TearDown(Level.Iteration)
    public void close() throws Exception
    {
        if (dumper != null)
        {
            dumper.close();
            handle.close();
            dumper = null;
            handle = null;
        }
        if (captureWriter != null)
        {
            captureWriter.close();
            captureWriter = null;
        }
        Files.deleteIfExists(file);
    }

    @Benchmark
    public void writeFrame() throws Exception
    {
        final long now = timestampNs += 1_000;
        if (dumper != null)
        {
            final Timestamp timestamp = new Timestamp(now / 1_000_000L);
            timestamp.setNanos((int)(now % 1_000_000_000L));
            dumper.dumpRaw(frame, timestamp);
        }
        else
        {
            captureWriter.write(0, CaptureWriter.IN, now, frame.length, frame, 0, frame.length);
        }
    }
}
