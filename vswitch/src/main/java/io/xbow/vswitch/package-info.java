/**
 * The virtual switch.
 * <pre>
 *                 +------------------------ Forwarder.cycle() (VirtualSwitch.doWork()) ------------------+
 *  device.receive | validate (HeaderChain) -> VLAN ingress -> learn source -> look up destination       | device.transmit
 *  (a batch) ---> |   MALFORMED               VLAN_MISMATCH   (MacTable)      known: one output batch     | ---> (one call
 *                 |   INVALID_SOURCE                                          unknown/group: flood,       |      per port
 *                 |                                                           a copy per VLAN member      |      per cycle)
 *                 +---------------------------------------------------------------------------------------+
 * </pre>
 * VirtualSwitch is the control facade: thread-safe methods that prepare a change (flood lists, indices) and queue
 * it as a command the switch applies at the top of a cycle. Forwarder is the datapath; FloodLists are built by the
 * control plane. port/: the PortDevice contract (what stands behind a port) and MemoryDevice; fdb/: the MAC table;
 * stats/: counters the datapath writes and anyone reads; thread/: the datapath threads that run switches (Agrona
 * agents) with an idle back-off; capture/: capture points and taps.
 */
package io.xbow.vswitch;
