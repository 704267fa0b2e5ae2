/**
 * The Xen netif protocol in user space: what every vif runs.
 * <pre>
 *   shm/       GuestMemory: a shared-memory file holding a guest's grant table and pages, mapped by both sides
 *   grant/     GrantTable: frontend grants; the backend maps only what was granted to it, for the access it needs
 *   ring/      RingDescriptor: ring.h and netif.h byte for byte; SharedRing: the index and notification rules
 *   event/     EventChannel: LocalEventChannel in one process, SocketEventChannel across processes
 *   backend/   Netback: the vif as a switch port (TX grant-copy into the pool, RX copy into posted buffers)
 *   frontend/  Netfront: the guest side, for emulated guests, shims and tests
 *   xenbus/    XenStore, XenbusState, VifBackend/VifFrontend: the handshake, connect, close, reconnect
 * </pre>
 * Shared-memory fields are little-endian, as on every host Xen runs on; ring indexes are read with native order.
 */
package io.xbow.netback;
