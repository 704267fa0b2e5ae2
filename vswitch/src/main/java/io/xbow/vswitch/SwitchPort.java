package io.xbow.vswitch;

import io.xbow.packet.frame.FrameBatch;
import io.xbow.vlan.VlanPolicy;
import io.xbow.vswitch.capture.CapturePoint;
import io.xbow.vswitch.port.IngressStage;
import io.xbow.vswitch.port.PortDevice;
import io.xbow.vswitch.stats.PortCounters;

/**
 * A port as the switch sees it: the device behind it, its VLAN policy, counters and output batch. The datapath
 * thread owns the mutable parts; the control plane reads {@link #counters()} and the immutable fields.
 */
public final class SwitchPort
{
    final int index;
    volatile String name;
    final PortDevice device;
    final IngressStage stage;
    final PortCounters counters = new PortCounters();
    final FrameBatch output;
    final CapturePoint captureIn = new CapturePoint();
    final CapturePoint captureOut = new CapturePoint();
    /** The policy in force (datapath thread only). */
    VlanPolicy policy;
    /** The policy as the control plane last set it (guarded by the switch's lock); flood lists are built from it. */
    VlanPolicy configuredPolicy;
    int priority;
    long attachOrder;
    boolean dirty;
    /** The device threw: out of service until detached (datapath thread only: read per frame, so not volatile). */
    boolean failed;
    /** The same, published for the control plane. */
    private volatile boolean failedPublished;

    SwitchPort(final int index, final String name, final PortDevice device, final VlanPolicy policy, final int batchSize)
    {
        this.index = index;
        this.name = name;
        this.device = device;
        this.stage = device.ingressStage();
        this.policy = policy;
        this.configuredPolicy = policy;
        this.output = new FrameBatch(batchSize);
    }

    /**
     * @return true once the port's device threw: the switch no longer polls it or hands it frames (they are
     *         dropped as {@code port-failed}); the control plane detaches it.
     */
    public boolean failed()
    {
        return failedPublished;
    }

    void markFailed()
    {
        failed = true;
        failedPublished = true;
    }

    /**
     * @return the port's index in the switch: what FDB entries and frame metadata name.
     */
    public int index()
    {
        return index;
    }

    public String name()
    {
        return name;
    }

    public PortDevice device()
    {
        return device;
    }

    /**
     * @return the port's counters, readable from any thread.
     */
    public PortCounters counters()
    {
        return counters;
    }

    /**
     * @return where frames entering the switch through this port are captured (as on the port's wire, before the
     * switch pops a VLAN tag).
     */
    public CapturePoint captureIn()
    {
        return captureIn;
    }

    /**
     * @return where frames the switch sends out of this port are captured (as on the port's wire).
     */
    public CapturePoint captureOut()
    {
        return captureOut;
    }

    @Override
    public String toString()
    {
        return name + "#" + index;
    }
}
