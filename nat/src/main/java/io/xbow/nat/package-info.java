/**
 * The L3 backends (ARCHITECTURE.md, "The L3 backends"): the router that routed and NAT networks share, as a port on
 * each switch it serves. Built so far:
 * <pre>
 *   route/   RouteTable   longest-prefix match for IPv4, 16-8-8 multibit trie, changed in place
 *   arp/     ArpCache     IPv4 to MAC per link: bounded, frames held per next hop, requests paced, timer wheel
 *   forward/ Ipv4Forwarding  RFC 1812 checks, TTL decrement with the RFC 1624 checksum update
 *            IcmpErrors      time exceeded, unreachable, fragmentation needed; when one may be sent
 *            Ipv4Fragmenter  fragments for a smaller MTU when DF is clear (copied options only in later ones)
 *            TokenBucket     their rate limit
 *   router/  Router          interfaces on links, routes, the datagram's way from one link to another
 *            RouterInterface the router on one link: MAC, address, ARP cache, proxy ARP, the port on the switch
 *
 *   host --- switch A --- [RouterInterface A] Router [RouterInterface B] --- switch B --- host
 *                 (frames copied from A's pool into B's: each switch has its own)
 * </pre>
 * To come, in this module: commands (ipadm, route, routeadm), routed mode's wiring of a vif for routed mode,
 * the DHCP server, connection tracking and NAT.
 */
package io.xbow.nat;
