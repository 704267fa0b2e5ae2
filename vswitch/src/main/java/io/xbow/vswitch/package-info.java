/**
 * The virtual switch.
 * <pre>
 *               +----------------------------- VirtualSwitch.doWork() ------------------------------+
 *   Port.receive | validate (HeaderChain) -> VLAN ingress -> learn source -> look up destination     | Port.transmit
 *   (a batch) -->|   MALFORMED               VLAN_MISMATCH   (MacTable)      known: one output batch   |--> (one call
 *                |   INVALID_SOURCE                                          unknown/group: flood,     |    per port
 *                |                                                           a copy per VLAN member    |    per cycle)
 *                +-------------------------------------------------------------------------------------+
 * </pre>
 * port/: the Port contract and MemoryPort; fdb/: the MAC table; stats/: counters the datapath writes and anyone
 * reads. DatapathThread runs switches (Agrona agents) with an idle back-off. The control plane talks to a switch
 * only through its thread-safe methods, which queue commands the switch applies at the top of a cycle.
 */
package io.xbow.vswitch;
