/**
 * 802.1Q tagging policy.
 * <pre>
 *   frame from a port --> VlanPolicy.ingress --> (untagged frame, VLAN id in metadata) --> switch
 *                              | deny: VLAN_MISMATCH
 *   switch --> VlanPolicy.egress(vid): untagged | tagged (VlanTagger.push) | not a member: VLAN_MISMATCH --> port
 * </pre>
 * VlanId validates ids (1-4094; 0 untagged, 4095 reserved); VlanSet holds a trunk's allowed VLANs.
 */
package io.xbow.vlan;
