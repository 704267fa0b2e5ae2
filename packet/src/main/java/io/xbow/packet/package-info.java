/**
 * Frames and codecs: what every other module stands on.
 * <pre>
 *   frame/     FramePool (one off-heap arena of fixed slots, frames as int handles, metadata in the slot header:
 *              FrameDescriptor), FrameBatch (reused int[] + count), FrameQueue (SPSC hand-off between threads)
 *   codec/     flyweights over a buffer at an offset: Ethernet, 802.1Q/802.1ad tag, ARP, IPv4, IPv6, ICMPv4, UDP, TCP
 *   parse/     HeaderChain: validates a frame's header chain once and records the offsets; ParseResult says why not
 *   checksum/  the Internet checksum, full and incremental (RFC 1071, RFC 1624)
 *   address/   MAC (usual and dladm forms) and IPv4 addresses as primitives
 *   build/     FrameBuilder: well-formed frames for tests, tools and emulated guests
 *   format/    FrameFormatter: tcpdump-style one-line decoding
 *   filter/    BpfMachine: classic BPF capture filters (compiled by libpcap elsewhere) run in place, allocation-free
 * </pre>
 * DropReason names why a stage freed a frame it could not deliver; every module counts drops by it.
 */
package io.xbow.packet;
