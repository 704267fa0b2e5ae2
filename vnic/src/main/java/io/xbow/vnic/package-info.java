/**
 * The Crossbow link model that {@code dladm} administers.
 * <pre>
 *   LinkRegistry   the catalogue of links and their names, and wiring them to switches; it delegates to
 *                  MacAllocator (choosing unique MACs), LinkProperties with PortSettings (set/reset/show-linkprop,
 *                  all or nothing) and LinkStatistics (what show-link -s / show-vnic -s print, as LinkStats)
 *                ── link/      PhysicalLink, Etherstub (each owns a VirtualSwitch on the Datapath)
 *                              Vnic, VlanLink (each a VnicPort on the switch of the link it is over)
 *                ── mac/       MacSpec (fixed, random, auto, factory) and MacType (what show-vnic prints)
 *                ── prop/      maxbw (Bandwidth), priority, mtu, protection, allowed-ips; PropertyInfo rows
 *                ── datapath/  VnicPort: ingress stage in the switch loop [MTU, ProtectionFilter, Shaper],
 *                              egress [MTU, Shaper] to the guest device; VnicPolicy, TokenBucket, VnicCounters
 *   (where switches run, Datapath, ManualDatapath and ThreadedDatapath, is in io.xbow.vswitch.thread)
 * </pre>
 * Priority is strict: the switch serves its ports high to low each cycle. Bandwidth is a token bucket per
 * direction whose burst is 5 ms at the rate (at least two full-size frames), with a bounded FIFO of frames waiting
 * for tokens; past it frames are dropped as over-rate.
 */
package io.xbow.vnic;
