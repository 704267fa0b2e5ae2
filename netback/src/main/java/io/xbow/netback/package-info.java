/**
 * The Xen netif protocol in user space (work in progress: the memory model and the ring mechanics).
 * <pre>
 *   shm/    GuestMemory: a shared-memory file holding a guest's grant table and pages, mapped by both sides
 *   grant/  GrantTable: frontend grants, backend maps only what was granted to it, for the access it needs
 *   ring/   RingDescriptor: ring.h and netif.h byte for byte; SharedRing: the index and notification rules
 * </pre>
 * Shared-memory fields are little-endian, as on every host Xen runs on; indexes are read with native order.
 */
package io.xbow.netback;
