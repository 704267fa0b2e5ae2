package io.xbow.nat.conntrack;

/**
 * One outside address's ports, per protocol (TCP, UDP, ICMP identifiers): the inside endpoint mapped to each,
 * and how many connections use it (0: free; {@link #PUBLISHED}: an rdr's). Flat arrays, 2 MiB an address
 * whatever the connections.
 */
final class PortSpace
{
    static final int PUBLISHED = -1;
    final int address;
    final int[] ownerIp = new int[3 << 16];
    final char[] ownerPort = new char[3 << 16];
    final int[] users = new int[3 << 16];

    PortSpace(final int address)
    {
        this.address = address;
    }

    void reserve(final int p, final int port)
    {
        if (users[p << 16 | port] == 0)
        {
            users[p << 16 | port] = PUBLISHED;
        }
    }

    void unreserve()
    {
        for (int i = 0; i < users.length; i++)
        {
            if (users[i] == PUBLISHED)
            {
                users[i] = 0;
            }
        }
    }
}
