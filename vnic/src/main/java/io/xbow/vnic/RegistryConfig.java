package io.xbow.vnic;

import io.xbow.packet.frame.FrameDescriptor;
import io.xbow.vswitch.SwitchConfig;

/**
 * How the registry builds the switches of new links.
 *
 * @param framesPerSwitch     frames in each switch's pool.
 * @param switchConfig        the switches' tunables.
 * @param shapingQueueFrames  frames each direction of a VNIC's shaper may hold while they wait for tokens.
 */
public record RegistryConfig(int framesPerSwitch, SwitchConfig switchConfig, int shapingQueueFrames)
{
    /**
     * Every switch pool carries frames up to a 9000-byte MTU, so any MTU a link may have fits; the price is
     * 9088-byte slots (18.6 MB for the default 2048 frames per switch).
     */
    public static final int MAX_FRAME_LENGTH = 9000 + FrameDescriptor.MAX_L2_OVERHEAD;
    /**
     * Large slots in each switch's pool, for guests' 64 KiB TCP super-frames in flight (4.2 MB a switch): a guest's
     * TCP window of them, twice; past them a guest's super-frame is refused as a full ring would, and its TCP resends.
     */
    public static final int SUPER_FRAMES = 64;

    public RegistryConfig
    {
        if (framesPerSwitch < 64)
        {
            throw new IllegalArgumentException("a switch needs at least 64 frames, got " + framesPerSwitch);
        }
        if (shapingQueueFrames < 1)
        {
            throw new IllegalArgumentException("a shaping queue holds at least one frame");
        }
    }

    /**
     * @return 2048 frames per switch, the default switch tunables, 256 frames per shaping queue.
     */
    public static RegistryConfig defaults()
    {
        return new RegistryConfig(2048, SwitchConfig.defaults(), 256);
    }

    public RegistryConfig withFramesPerSwitch(final int frames)
    {
        return new RegistryConfig(frames, switchConfig, shapingQueueFrames);
    }

    public RegistryConfig withSwitchConfig(final SwitchConfig config)
    {
        return new RegistryConfig(framesPerSwitch, config, shapingQueueFrames);
    }

    public RegistryConfig withShapingQueueFrames(final int frames)
    {
        return new RegistryConfig(framesPerSwitch, switchConfig, frames);
    }
}
