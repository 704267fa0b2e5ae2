package io.xbow.vnic;

import io.xbow.packet.frame.FrameDescriptor;
import io.xbow.vswitch.SwitchConfig;

/**
 * How the registry builds the switches of new links.
 *
 * @param framesPerSwitch     frames in each switch's pool.
 * @param switchConfig        the switches' tunables.
 * @param shapingQueueFrames  frames each direction of a VNIC's shaper may hold while they wait for tokens.
 * @param deviceQueueFrames   frames each direction of an in-memory device holds.
 */
public record RegistryConfig(int framesPerSwitch, SwitchConfig switchConfig, int shapingQueueFrames,
    int deviceQueueFrames)
{
    /** Every switch pool carries frames up to a 9000-byte MTU, so any MTU a link may have fits. */
    public static final int MAX_FRAME_LENGTH = 9000 + FrameDescriptor.MAX_L2_OVERHEAD;

    public static RegistryConfig defaults()
    {
        return new RegistryConfig(4096, SwitchConfig.defaults(), 256, 1024);
    }

    public RegistryConfig withFramesPerSwitch(final int frames)
    {
        return new RegistryConfig(frames, switchConfig, shapingQueueFrames, deviceQueueFrames);
    }

    public RegistryConfig withSwitchConfig(final SwitchConfig config)
    {
        return new RegistryConfig(framesPerSwitch, config, shapingQueueFrames, deviceQueueFrames);
    }

    public RegistryConfig withShapingQueueFrames(final int frames)
    {
        return new RegistryConfig(framesPerSwitch, switchConfig, frames, deviceQueueFrames);
    }
}
