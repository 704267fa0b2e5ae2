package io.xbow.control.capture.filter;

import org.junit.jupiter.api.Assumptions;
import org.pcap4j.core.Pcaps;
import org.pcap4j.packet.namednumber.DataLinkType;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Tests that need libpcap skip without it on a developer's machine, and fail on CI (CI=true), where
 * scripts/setup.sh installs it.
 */
final class LibpcapAvailable
{
    private LibpcapAvailable()
    {
    }

    static void assumeOrFailOnCi()
    {
        String why = null;
        try
        {
            Pcaps.openDead(DataLinkType.EN10MB, 65535).close();
        }
        catch (final Exception | LinkageError e)
        {
            why = "libpcap cannot be loaded (Debian package libpcap0.8; scripts/setup.sh installs it): " + e;
        }
        if (why != null)
        {
            if ("true".equals(System.getenv("CI")))
            {
                fail(why);
            }
            Assumptions.abort(why);
        }
    }
}
