package io.xbow.netback;

import io.xbow.netback.backend.Netback;
import io.xbow.netback.event.LocalEventChannel;
import io.xbow.netback.frontend.Netfront;
import io.xbow.netback.shm.GuestMemory;
import io.xbow.packet.frame.FramePool;
import io.xbow.vlan.VlanPolicy;
import io.xbow.vswitch.SwitchConfig;
import io.xbow.vswitch.VirtualSwitch;
import org.agrona.concurrent.CachedNanoClock;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Two guests, each a netfront on its own shared-memory file, whose netbacks are ports of one switch: the test is
 * both guests and the datapath thread.
 */
final class TwoGuests implements AutoCloseable
{
    final FramePool pool = new FramePool(1024, 9216 + 22, 8);
    final VirtualSwitch sw = new VirtualSwitch("stub0", pool, SwitchConfig.defaults(), new CachedNanoClock());
    final GuestMemory[] memory = new GuestMemory[2];
    final Netfront[] front = new Netfront[2];
    final Netback[] back = new Netback[2];
    final LocalEventChannel[][] events = new LocalEventChannel[2][];
    final List<List<byte[]>> received = List.of(new ArrayList<>(), new ArrayList<>());
    /** Each received frame's netif GSO type and segment size, and its RX flags, as the netfront said them. */
    final List<List<int[]>> offloads = List.of(new ArrayList<>(), new ArrayList<>());

    TwoGuests(final Path dir, final boolean sg) throws Exception
    {
        for (int g = 0; g < 2; g++)
        {
            memory[g] = GuestMemory.create(dir.resolve("guest" + g), Netfront.GRANT_PAGES, Netfront.GUEST_PAGES);
            events[g] = LocalEventChannel.pair();
            front[g] = new Netfront(memory[g], 0, events[g][0]);
            back[g] = Netback.connect(pool, memory[g], 0, Netfront.TX_RING_REF, Netfront.RX_RING_REF, events[g][1],
                9000, sg, 64, reason -> { });
            sw.attach("vif" + (g + 1) + ".0", back[g], VlanPolicy.DEFAULT);
        }
    }

    /** Run the switch until idle, then let both guests collect what they received. */
    void run()
    {
        int guard = 0;
        while (sw.doWork() > 0 && guard++ < 10_000)
        {
            Thread.onSpinWait();
        }
        for (int g = 0; g < 2; g++)
        {
            final List<byte[]> frames = received.get(g);
            final Netfront netfront = front[g];
            final List<int[]> said = offloads.get(g);
            netfront.poll((buffer, offset, length) ->
            {
                final byte[] bytes = new byte[length];
                buffer.getBytes(offset, bytes);
                frames.add(bytes);
                said.add(new int[] {netfront.rxGsoType(), netfront.rxGsoSize(), netfront.rxFlags()});
            });
        }
        sw.doWork(); // the buffers the guests posted again
    }

    @Override
    public void close() throws Exception
    {
        sw.onClose();
        for (final GuestMemory m : memory)
        {
            m.close();
        }
    }
}
