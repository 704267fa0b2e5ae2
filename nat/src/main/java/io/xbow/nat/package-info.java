/**
 * The L3 backends (ARCHITECTURE.md, "The L3 backends"): the router that routed and NAT networks share, as a port on
 * each switch it serves, and the NAT on its outside interfaces.
 * <pre>
 *   route/     RouteTable       longest-prefix match for IPv4, 16-8-8 multibit trie, changed in place
 *   arp/       ArpCache         IPv4 to MAC per link: bounded, frames held per next hop, requests paced, timer wheel
 *   forward/   Ipv4Forwarding   RFC 1812 checks, TTL decrement with the RFC 1624 checksum update
 *              IcmpErrors       time exceeded, unreachable, fragmentation needed; when one may be sent
 *              Ipv4Fragmenter   fragments for a smaller MTU when DF is clear (copied options only in later ones)
 *              TokenBucket      their rate limit
 *   router/    Router           interfaces on links, routes, the datagram's way from one link to another
 *                               (super-frames whole), NAT on the way in and out, hairpinning
 *              RouterInterface  the router on one link: MAC, address, ARP cache, proxy ARP, DHCP, its NAT, the port
 *   dhcp/      DhcpServer       an interface's pool, static hosts and leases (DhcpRequest: the message read)
 *   rules/     IpnatRules       ipnat.conf's map, rdr and bimap, read whole or refused with file:line
 *   conntrack/ NatTable         an outside interface's NAT: its NatRules and the connections they opened
 *              NatRules         the rules as the datapath applies them (addresses resolved, ports per protocol)
 *              ConnectionIndex  flow key to connection, 8-byte slots (a hash tag and the id; keys in the records)
 *              ExpiryWheel      connections' timeouts: one-second ticks, slots linked through the ids
 *              PortSpace        an outside address's ports: owner, users, published
 *              TcpWindows       TCP sequence windows, as Linux's conntrack checks them
 *              FragmentFollower later fragments take their first fragment's translation
 *              FlowIndex        a 128-bit key to an int (the fragments' index)
 *
 *   host --- switch A --- [RouterInterface A] Router [RouterInterface B + NatTable] --- switch B --- LAN
 *                 (frames copied from A's pool into B's: each switch has its own)
 * </pre>
 * The commands (ipadm, route, routeadm, netstat, arp, dhcpadm, ipnat) and Xen's vif-route and vif-nat are the
 * daemon's ({@code control-cli}'s {@code service/}).
 */
package io.xbow.nat;
